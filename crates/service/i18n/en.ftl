# Kefu interface, English.
home = Home
console = Console
people = People
teams = Teams
team = Team
api-tokens = API tokens
audit-log = Audit log
outbox = Outbox
settings = Settings
account = My account
security = Security
sign-in = Sign in
sign-out = Sign out
sign-up = Create an account
sign-up-intro = An account lets you follow your conversations, complaints and after-sale requests in one place.
have-account = Already have an account? Sign in
forgot-password = Forgot your password?
forgot-intro = Enter your e-mail address and we will send you a link to choose a new password.
send-link = Send link
new-password = New password
password = Password
password-hint = At least 8 characters, not a common password (such as 12345678) nor one character repeated; a few unrelated words work well.
email = E-mail address
name = Name
phone = Phone
language = Language
preferred-channel = Preferred contact channel
chat = Live chat
sms = SMS
save = Save
create = Create
continue = Continue
cancel = Cancel
done = Done
code = Code
verified = verified
unverified = not verified
my-conversations = My conversations
conversation = Conversation
conversations = Conversations
no-conversations = No conversations yet.
status-open = Open
status-pending = Pending
status-snoozed = Snoozed
status-resolved = Resolved
untitled = (no subject)
visitor = Customer
pick-conversation = Pick a conversation
customer-typing = The customer is typing…
reply-placeholder = Write a reply… (Enter a private note by ticking the box)
private-note = Private note
send = Send
console-mine = Mine
console-unassigned = Unassigned
console-all = All
console-pref-capacity = Chats at once
console-pref-capacity-help = Automatic assignment gives you new chats up to this number. Your macros, signatures and phrases:
console-pref-desk = Desk settings →
console-search = Search customers, subjects and messages
console-more-filters = Filters
console-any-inbox = Any inbox
console-any-team = Any team
console-filter-tag = Tag
console-clear-filters = Clear filters
console-in-messages = Found in messages
console-any-status = Any status
console-any-stage = Any stage
stage-pre_sale = Pre-sale
stage-in_sale = In sale
stage-after_sale = After-sale
priority-low = Low
priority-normal = Normal
priority-high = High
priority-urgent = Urgent
console-assignee = Agent
console-nobody = Unassigned (queue)
console-team = Team
console-no-team = All teams of the inbox
console-status = Status
console-stage = Stage
console-priority = Priority
console-tags = Tags (comma-separated)
console-snooze = Snooze
console-presence = My status
presence-online = Online
presence-away = Away
presence-offline = Offline
console-live-visitors = Visitors on the site
console-no-visitors = Nobody is on the site right now.
console-notifications = Mentions
console-no-notifications = No mentions.
console-customer = Customer
console-verified = Verified
console-anonymous = Not verified
console-trail = Pages browsed
console-past = Other conversations
console-queue = Waiting in line: number { $n }
console-collision = { $name } is also viewing this conversation
console-attach = Attach a file
console-joined = { $name } joined
console-activity = Activity
console-agents = Agents
console-ev-status = { $by } set the status to { $value }
console-ev-stage = { $by } set the stage to { $value }
console-ev-priority = { $by } set the priority to { $value }
console-ev-tags = { $by } set the tags: { $value }
console-ev-team = { $by } transferred to team { $value }
console-ev-unassigned = { $by } put the conversation back in the queue
console-ev-reopened = The customer wrote again; the conversation is open
console-ev-woke = The snooze ended
widget-title = Chat with us
widget-subtitle = We usually reply within minutes
widget-greeting = Hello! How can we help you today?
widget-placeholder = Type your message…
widget-send = Send
widget-typing = An agent is typing…
widget-connecting = Connecting…
widget-offline = Connection lost, reconnecting…
widget-failed = The message could not be sent. Try again.
widget-too-fast = You are sending messages too quickly. Wait a minute, then send it again.
widget-queue = You are number { $n } in line. An agent will be with you shortly.
widget-joined = { $name } is now helping you
widget-resolved = This conversation was marked as solved. Write again any time.
widget-prechat-title = Before we start
widget-prechat-intro = Tell us who you are so that we can reply even if you leave.
widget-name = Your name
widget-email = E-mail address
widget-start = Start chatting
widget-skip = Skip
widget-offline-title = We are offline right now
widget-offline-intro = Leave us a message and your e-mail address; we will reply by e-mail and here on your next visit.
widget-message = Your message
widget-leave-message = Send message
widget-offline-sent = Thank you! We received your message and will reply to { $email }.
widget-attach = Send a file
widget-transcript = E-mail me this conversation
widget-transcript-sent = The transcript is on its way to { $email }.
widget-file-failed = The file could not be sent. Check your connection and try again.
widget-file-too-large = This file is too large: files can be up to { $mb } MB. Send a smaller or compressed one.
widget-file-type = This file cannot be sent: its content does not match its name. Send it as an image, PDF, document, audio or video file.
widget-file-empty = This file is empty. Choose another one.
widget-download = Download
widget-read = Read
widget-invalid-email = Enter a valid e-mail address.
snippet = Widget snippet
subject = Subject
status = Status
updated = Updated
time = Time
action = Action
actor = Actor
target = Target
detail = Detail
older = Older entries
setup-title = Set up Kefu
setup-intro = Create the first administrator. The set-up code is printed in the server's log when it starts, so only whoever runs the server can claim it.
setup-code = Set-up code
setup-submit = Create administrator
two-factor = Two-factor sign-in
two-factor-prompt = Enter the 6-digit code from your authenticator app, or one of your recovery codes.
two-factor-why = A code from your phone on top of your password keeps your account safe even if the password leaks.
turn-on = Turn on
turn-off = Turn off
on = On
off = Off
recovery-left = Recovery codes left
recovery-codes = Recovery codes
recovery-codes-intro = Keep these codes somewhere safe. Each one signs you in once if you lose your phone. They are shown only now.
totp-step-scan = Scan the QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …).
totp-step-code = Enter the 6-digit code the app shows to confirm.
totp-manual = Or type this key into the app:
confirm-password = Confirm your password
confirm-password-intro = For your security, confirm your password before changing sign-in settings.
change-password = Change password
change-email = Change e-mail address
new-email = New e-mail address
security-intro = Signing in, two-factor authentication and your e-mail address.
accept-invitation = Join the team
join = Join
invite = Invite
role = Role
admin = Administrator
supervisor = Supervisor
agent = Agent
customer = Customer
staff = Staff
customers = Customers
pending-invitations = Pending invitations
revoke = Revoke
revoked = Revoked
active = Active
activate = Activate
deactivate = Deactivate
none-yet = Nothing here yet.
team-name = Team name
add-member = Add member
remove = Remove
inboxes = Inboxes
no-inboxes = You are not in a team that works an inbox yet. Ask an administrator.
inbox-name = Inbox name
channel = Channel
assign = Assign
scopes = Scopes
expires-in-days = Expires in (days)
token-once = Copy this token now: it will not be shown again.
outbox-no-smtp = No SMTP server is configured, so mail waits here. Configure [smtp] in kefu.toml to deliver it.
shop-name = Shop name
shop-language = Shop language
shop-language-help = Mails to customers who never chose a language (chat replies, transcripts, case updates) are written in it.
identity-secret = Identity signing secret
identity-secret-intro = Your shop signs a logged-in customer's identity with this secret (HMAC-SHA256) so Kefu knows who they are. Keep it on your server, never in a web page.
rotate = Replace secret
error-title = Something went wrong
signup-done-title = Check your mailbox
signup-done-body = We sent you a link to confirm your e-mail address. Follow it, then sign in.
resend-verification = Send the confirmation link again
verified-title = Address confirmed
verified-body = Thank you. Your e-mail address is confirmed; you can sign in now.
reset-sent-title = Check your mailbox
reset-sent-body = If an account uses this address, a link to choose a new password is on its way. It works once, for one hour.
notice-signed-out = You are signed out.
notice-password-reset = Your password is changed. Sign in with the new one.
notice-saved = Saved.
notice-invited = Invitation sent.
notice-password-changed = Password changed. Your other sessions were signed out.
notice-email-change-sent = We sent a confirmation link to the new address. The change takes effect when you follow it.
notice-totp-disabled = Two-factor sign-in is off.
notice-token-created = Token created.
err-invalid-credentials = Wrong e-mail address or password.
err-email-unverified = Confirm your e-mail address first: follow the link we sent you.
err-email-taken = An account with this e-mail address already exists.
err-invalid-email = This e-mail address is not valid.
err-password-length = The password must be 8 to 256 characters.
err-password-weak = This password is too easy to guess: it is a common password or one character repeated. Use 8 or more characters, for example a few unrelated words.
err-invalid-language = Choose Simplified Chinese (zh-CN) or English (en).
err-invalid-name = The name must be 1 to 100 characters.
err-invalid-phone = This phone number is not valid.
err-invalid-token = This link is invalid, already used, or expired.
err-invalid-code = The code is wrong or was already used.
err-rate-limited = Too many attempts. Try again in { $seconds } seconds.
err-csrf-failed = The form expired. Reload the page and try again.
err-forbidden = You do not have access to this page.
err-not-found = Not found.
err-internal = Something went wrong on our side.
err-invalid-setup-code = The set-up code is wrong. It is printed in the server's log.
err-last-admin = The shop needs at least one active administrator.
err-invalid-identity = The shop's signature for this customer is missing, wrong or expired.
mail-verify-subject = Confirm your e-mail address
mail-verify-body =
    Hello { $name },

    Please confirm your e-mail address by opening this link:
    { $link }

    The link works once and expires in 48 hours. If you did not create an account, ignore this mail.

    Best wishes,
    Customer service
mail-reset-subject = Choose a new password
mail-reset-body =
    Hello { $name },

    Someone asked to reset the password of your account. To choose a new one, open:
    { $link }

    The link works once and expires in one hour. If it was not you, ignore this mail: your password stays as it is.

    Best wishes,
    Customer service
mail-change-email-subject = Confirm your new e-mail address
mail-change-email-body =
    Hello { $name },

    To use this address for your account, open:
    { $link }

    If you did not ask for this, ignore this mail.

    Best wishes,
    Customer service
mail-invite-subject = You are invited to { $shop }'s customer service
mail-invite-body =
    Hello,

    You are invited to answer customers for { $shop }. To join, open:
    { $link }

    The invitation works once and expires in 7 days.

    Best wishes,
    { $shop }
mail-chat-reply-subject = New reply from { $shop }
mail-chat-reply-body =
    Hello { $name },

    You have a new reply to your conversation with { $shop }:

    { $messages }

    You can answer by opening the chat on our website again; the conversation is kept there.

    Best wishes,
    Customer service
mail-transcript-subject = Your conversation with { $shop }
mail-transcript-body =
    Hello,

    Here is the transcript of your conversation with { $shop }, as you asked:

    { $messages }

    Best wishes,
    Customer service
inbox-settings = Inbox settings
auto-assign = Assign new chats automatically to online agents (round-robin, within each agent's capacity)
prechat = Ask for name and e-mail before the chat
prechat-off = No
prechat-optional = Yes, optional
prechat-required = Yes, required
greeting = Greeting (empty: the built-in one)
offline-message = Text above the offline form (empty: the built-in one)
business-hours = Business hours
business-hours-help = One span per line: days (1 = Monday … 7 = Sunday) and times, e.g. 1-5 09:00-18:00. Empty: always open. Outside these hours, or with no agent online, the widget takes a message.
utc-offset = Time zone: minutes from UTC (480 = China Standard Time)
inbox-time-zone = Time zone by name (e.g. Asia/Shanghai; follows daylight saving). Empty: the offset above.
inbox-holidays = Holidays: one date per line (YYYY-MM-DD), closed all day
invitation-rules = Proactive invitations
invitation-rules-help = When a visitor spends some time on a matching page, the widget opens with this greeting. In the URL pattern, * stands for anything.
url-pattern = URL pattern
min-seconds = Seconds on the page
returning-only = Returning visitors only
invitation-message = Greeting
add = Add
delete = Delete
snippet-help = Paste this before </body> on every page of the shop. To show a signed-in customer's past conversations, add the signed identity (see the API docs):
settings-link = Settings
reply = Reply
help-centre = Help centre
help-description = Answers to common questions about orders, shipping, returns and more.
help-how-can-we-help = How can we help?
help-empty = No articles yet.
help-search-placeholder = Search: order, refund, 退货 …
search = Search
help-article-count = { $n ->
    [one] 1 article
   *[other] { $n } articles
}
help-most-read = Most read
help-other-language = This article is not available in English yet; here it is in Chinese.
help-updated = Updated
help-was-helpful = Was this article helpful?
help-comment = Tell us more (optional)
yes = Yes
no = No
help-thanks = Thank you for your feedback.
help-related = Related articles
help-results-for = Results for “{ $q }”
help-no-results = Nothing found. Try other words, or contact us.
help-exact-count = { $n ->
    [one] One article contains “{ $q }”.
   *[other] { $n } articles contain “{ $q }”.
}
help-exact-count-more = More than { $n } articles contain “{ $q }”; add a word to narrow the search.
help-related-heading-more = Related articles holding part of “{ $q }”
help-no-exact = No article contains “{ $q }” as you wrote it.
help-try-words = Search for one of its words instead:
help-related-heading = { $n ->
    [one] One related article holds part of “{ $q }”
   *[other] { $n } related articles hold part of “{ $q }”
}
help-pages = Pages of results
help-page-of = Page { $page } of { $pages }
help-previous = Previous
help-next = Next
widget-suggest-head = These articles may answer your question:
widget-article-back = Back to the chat
widget-open-help = Open in the help centre
widget-settled = This answered my question
widget-not-settled = I still need help
widget-settled-thanks = Glad it helped! You can close this window, or write to us any time.
knowledge-base = Knowledge base
kb-new-article = New article
kb-new-category = New category or section
kb-category = Category
kb-title = Title
kb-body = Body (Markdown)
kb-slug = Address (slug)
kb-slug-auto = made from the English title
kb-tags = Tags (comma-separated)
kb-parent = Inside category (makes a section)
kb-name-zh = Name (Chinese)
kb-name-en = Name (English)
kb-draft = Draft
kb-published = Published
kb-archived = Archived
kb-views = Views
kb-helpful = Helpful / not
kb-settled = Chats settled
kb-none = No articles here yet.
kb-preview = Preview
kb-readers = Readers
kb-revisions = Revisions
kb-restore = Restore
kb-reason-edit = edited
kb-reason-restore = restored
kb-reason-import = imported
kb-reason-conversation = from a conversation
kb-markdown-help = Markdown: # heading, **bold**, *italic*, [link](https://…), lists, tables. HTML is shown as text. Either language may stay empty.
all = All
filter = Filter
notice-article-saved = Saved.
notice-category-created = Category created.
console-articles = Articles
console-article-search = Search articles
console-insert-link = Insert link
console-insert-text = Insert text
console-draft-article = Draft an article from this conversation
console-draft-done = Draft saved: open it
kb-export-csv = Export as CSV
kb-categories = Categories and sections
notice-category-saved = Category saved.
notice-category-deleted = Category deleted.
err-category-not-empty = Move or delete the category's articles first.
err-slug-taken = Another one already uses this address (slug).
err-edit-conflict = Someone else saved this article after you opened it. Copy your changes, reload, and apply them again.
err-invalid-title = An article needs a Chinese or an English title, and each language with a body needs a title (at most 200 characters).
err-invalid-slug = The address (slug) is 1 to 100 lower-case letters, digits and dashes.
err-invalid-category = Choose a category.
err-invalid-body = A body is at most 100,000 characters.
err-invalid-tag = A tag is at most 40 characters without commas; at most 20 tags.
err-invalid-parent = A section sits in a category, not in another section.

## E-mail inboxes
channel-widget = Live chat (widget)
channel-email = E-mail
mail-settings = Mail settings
mail-reading = Receiving
mail-last-error = Last error
mail-reading-ok = Mail was last read
mail-not-read-yet = Mail has not been read yet: set the IMAP server below.
mail-check = Test the connection
mail-check-ok = connected
mail-address = Support address
mail-display-name = Sender name
mail-imap = Receiving (IMAP)
mail-smtp = Sending (SMTP)
mail-host = Server
mail-port = Port
mail-security = Security
mail-tls-tls = TLS (port 993 / 465)
mail-tls-starttls = STARTTLS (port 143 / 587)
mail-tls-none = None (a server on this machine only)
mail-username = User name
mail-password = Password
mail-password-kept = stored; leave empty to keep it
mail-password-help = Passwords are stored encrypted with the server's secret key and are never shown again.
mail-folder = Folder
mail-not-stored = Mail that did not become a message
mail-not-stored-help = Automatic replies, bounces, our own mail coming back, mail that could not be read or was far too large, and mail read only in part (its readable text is a message). Nothing is dropped: download the original to look at it.
mail-outcome = What it was
mail-from = From
mail-subject = Subject
mail-download-raw = Original
mail-outcome-unparsable = Could not be read
mail-outcome-too_large = Too large
mail-outcome-flood = Too many from this sender
mail-outcome-auto_reply = Automatic reply
mail-outcome-bounce = Delivery failure
mail-outcome-own_mail = Our own mail
mail-outcome-stored = Stored
mail-outcome-sent = Sent
mail-outcome-queued = Waiting to be sent
mail-to = To
mail-cc = CC
mail-bcc = BCC
mail-to-default = the customer
mail-signature = Signature
mail-original = Show the original mail
mail-attached = Sent with the next mail
mail-case-code-subject = Your code to file a complaint or claim
mail-case-code-body =
    Hello,

    Your code is { $code }. Enter it on the form; it works once and expires in 15 minutes.

    If you did not ask for it, ignore this mail.

    Best wishes,
    Customer service
mail-case-filed-complaint-subject = Complaint { $tracking } received
mail-case-filed-complaint-body =
    Hello,

    We received your complaint. Its tracking number is { $tracking }.
    Follow it and add information at:
    { $link }

    Keep this link to yourself: anyone who has it can read the case.

    Best wishes,
    Customer service
mail-case-filed-claim-subject = After-sale request { $tracking } received
mail-case-filed-claim-body =
    Hello,

    We received your after-sale request. Its tracking number is { $tracking }.
    Follow it and add information at:
    { $link }

    Keep this link to yourself: anyone who has it can read the case.

    Best wishes,
    Customer service
mail-case-status-subject = { $tracking }: now { $status }
mail-case-status-body =
    Hello,

    Your case { $tracking } is now: { $status }.
    { $note }

    Open the link from our first mail to see the whole case.

    Best wishes,
    Customer service
case-form-title = Complaints and after-sale requests
case-form-intro = Tell us what went wrong. You get a tracking number and a page where you follow your case and add information.
case-kind = What do you need?
case-kind-complaint = A complaint (投诉)
case-kind-claim = A return, refund or exchange (售后)
case-send-code = Send me a code
case-code = Code from the e-mail
case-code-sent = We sent a code to this address. It is valid for 15 minutes.
case-category = Category
case-severity = How serious is it?
case-severity-low = Low
case-severity-medium = Medium
case-severity-high = High
case-severity-critical = Critical
case-order = Order number
case-resolution = What would you like?
case-return = Return
case-refund = Refund
case-exchange = Exchange
case-reason = Reason
case-description = What happened?
case-files = Photos or documents
case-submit = Submit
case-status-title = Case
case-missing = We cannot find this case. Open the link from our e-mail again, or sign in with the account you used.
case-progress = Progress
case-history = History
case-add-info = Add information
case-you = You
case-staff = Customer service
case-tracking = Tracking number
case-current = Status
case-closed-note = This case is closed. File a new one if you need more help.
case-received = Received
case-investigating = Investigating
case-waiting-customer = Waiting for you
case-resolved = Resolved
case-closed = Closed
case-requested = Requested
case-approved = Approved
case-rejected = Rejected
case-item-received = Item received
case-refunded = Refunded
case-replaced = Replaced
type-question = Question
type-incident = Incident
type-complaint = Complaint
type-claim = After-sale claim
type-suggestion = Suggestion
sla-first-response = First response
sla-next-response = Next response
sla-resolution = Resolution
sla-due-in = due in { $t }
sla-overdue = overdue by { $t }
console-type = Type
console-ticket = Ticket
console-split = New ticket from this
console-merge-ask = Merge this conversation into ticket number:
console-case-note = Note for the customer (optional)
console-open-case = Open as complaint or claim
console-macros = Macros…
console-apply = Apply
console-merge-into = Ticket number to merge into
console-merge = Merge
console-save-fields = Save fields
case-moved = Now:
console-ev-escalated = Complaint of severity "{ $value }" escalated to the supervisor team
console-sla-missed = The { $value } target was missed
tickets-admin = Tickets and service levels
inbox = Inbox
sla-report = Service-level report
sla-period = Last days
sla-measured = Measured
sla-met = Met
sla-breached = Missed
sla-by-policy = Missed by policy
sla-by-agent = Missed by agent
sla-breaches = Missed targets
sla-target = Target
sla-policy = Policy
sla-due = Was due
sla-calendars = Business hours
sla-calendars-intro = Targets count only working time: the hours of each weekday, less holidays, in the calendar's time zone.
sla-policies = Service-level policies
sla-policies-intro = The first policy that matches a ticket's inbox, type and priority applies. Targets are in working minutes; leave one empty to not measure it.
sla-calendar = Calendar
sla-remind = Remind before
ticket-fields = Ticket fields
field-key = Key
field-label = Label
field-kind = Kind
field-options = Choices (comma separated)
field-required = Required to resolve
case-settings = Complaints and claims
case-settings-inbox = Inbox for new cases
case-categories = Complaint categories (one per line)
case-escalate-from = Escalate complaints from severity
case-supervisors = Supervisor team
tickets-w-any = Any
tickets-w-always = Around the clock
tickets-w-remove = Remove
tickets-w-saved = Saved.
tickets-w-first-response = First response
tickets-w-next-response = Next response
tickets-w-resolution = Resolution
tickets-w-hours-help = One line per span: days (1 = Monday … 7 = Sunday) and hours, for example 1-5 09:00-18:00. Empty: around the clock.
tickets-w-holidays-help = Holidays, one date per line (YYYY-MM-DD)
tickets-w-time-zone = Time zone
tickets-w-up = Up
tickets-nav = Tickets & SLAs
my-cases = My complaints and after-sale requests
quality-zip = Pack the files into one zip
quality-send-anyway = Send anyway
quality-blocked = Not sent:
quality-warned = Check before sending:
etq-blank-subject = The subject is empty: a mail without a subject is the most impolite kind (blocked).
etq-long-subject = The subject is long ({ $detail } columns): keep it short and to the point.
etq-no-salutation = No salutation: begin with a greeting (Dear …, Hello …).
etq-no-closing = No closing wish: end with one (Best regards, Thank you …).
etq-attachment-missing = The mail mentions an attachment, but nothing is attached.
etq-attachments-unmentioned = { $detail } file(s) attached but not mentioned: tell the reader what they are.
etq-too-many-attachments = { $detail } attachments: more than 4 are better packed into one archive.
etq-meaningless-name = "{ $detail }" says nothing about the file: give it a meaningful name.
etq-no-signature = No signature: choose one so the customer knows who wrote (name, phone, shop).
etq-signature-language = The signature is in another language than the mail ({ $detail }).
etq-many-recipients = { $detail } visible recipients: those who only need to know could be BCC.
phrases = Standard phrases
phrase-suggest-greeting = Start with a greeting:
phrase-suggest-thanks = Close with thanks:
phrase-unfilled = Could not fill in { $names }: complete it before sending.
phrase-kind-greeting = Greeting
phrase-kind-inquiry = Inquiry
phrase-kind-response = Response
phrase-kind-apology = Apology
phrase-kind-thanks = Thanks
callback-title = Call me back
callback-intro = Leave your number and when suits you; one of our agents calls you.
callback-phone = Phone number
callback-when = When suits you
callback-when-hint = Leave it empty for as soon as possible.
callback-note = What is it about?
callback-submit = Ask for a call
callback-done = Thank you. We will call you.
calls-title = Phone service
calls-nav = Phone
calls-log-for = Log a call
callbacks = Callbacks asked for
callback-take = Take
callback-call = Call now
callback-asap = As soon as possible
callback-none = No callbacks waiting.
call-script = Call script
call-stage-answer = Answering: the first sentence
call-stage-ask = Asking
call-stage-respond = Answering the question
call-stage-apologise = Apologising
call-stage-thank = Thanking
call-stage-hang-up = Hanging up
call-log = Log a call
call-direction = Direction
call-inbound = Inbound
call-outbound = Outbound
call-minutes = Minutes
call-outcome = Outcome
call-outcome-answered = Answered
call-outcome-resolved = Resolved
call-outcome-callback-needed = Call back needed
call-outcome-no-answer = No answer
call-outcome-voicemail = Voicemail
call-outcome-wrong-number = Wrong number
call-notes = Notes
call-save = Save the call
call-logged = The call is logged.
quality-nav = Quality
quality-admin = Service quality
quality-report = Quality report
quality-agent = Agent
quality-checked = Replies checked
quality-clean = Clean
quality-sent-anyway = Sent anyway
quality-stopped = Revised
quality-blocked-count = Blocked
quality-rules = Findings by rule
quality-examples = Examples
quality-forbidden = Forbidden phrases
quality-forbidden-intro = Every agent reply in chat and e-mail is checked against these before it is sent. Warn: the agent may send anyway (recorded). Block: the reply is not sent. Exceptions are longer words that contain the phrase and are fine.
quality-phrase = Phrase
quality-lang = Language
quality-severity = Severity
quality-suggestion = Better wording
quality-exceptions = Exceptions (comma separated)
quality-warn = Warn
quality-block = Block
phrase-variables = Variables: {"{"}customer.name{"}"} {"{"}agent.name{"}"} {"{"}order.number{"}"} {"{"}shop.name{"}"}
quality-total = All agents

# Onboarding: the first steps of a new shop.
onboarding = Getting started
onboarding-progress = { $done } of { $total } steps done. Each step ticks itself off once it is done.
onboarding-done = Done
onboarding-todo = To do
onboarding-shop = Name your shop and choose its language
onboarding-shop-help = Customers see the name in the chat window and in every mail Kefu sends them.
onboarding-inbox = Add the chat to your website
onboarding-inbox-help = Paste this line before </body> on every page of your shop. The chat button then appears at the bottom right.
onboarding-create-chat = Create the website chat
onboarding-inbox-settings = Greeting, business hours and forms
onboarding-team-name = Support
onboarding-inbox-name = Website
onboarding-answered-by = Choose who answers
onboarding-answered-by-help = The chat is open when it is within business hours and at least one member of the inbox's teams is Online with the console open. Admins count only when they are members.
onboarding-try-widget = Try the chat as a customer
onboarding-try-widget-help = Open a test page with your chat window and write a message.
onboarding-open-test-page = Open a test page with the widget
onboarding-first-chat = Answer your first chat
onboarding-first-chat-help = Keep the console open with your status Online: new chats appear there with a sound.
onboarding-invite = Invite your agents
onboarding-invite-help = Each agent gets an e-mail with a link to choose a password. Add them to the team that answers the chat.
onboarding-mail = Connect your shop's mailbox
onboarding-mail-help = Customers' mails become conversations, and replies reach customers who have left the chat. Create an e-mail inbox, then enter its server settings.
onboarding-mail-link = Create an e-mail inbox
notice-website-chat = The website chat is ready, and you are in the team that answers it.
copy = Copy
copied = Copied
who-answers = Who answers this inbox
who-answers-rule = Visitors can chat when it is within business hours and at least one person below is Online with the console open (the status menu at the top of the console). Everyone else, admins included, does not count: add them to one of these teams on the Teams page.
who-answers-nobody = Nobody answers this inbox yet, so the widget always shows the offline form. Assign the inbox to a team with members.
availability-open = Open now: { $n } online.
availability-closed-hours = Closed now: outside business hours. Visitors see the offline form.
availability-closed-nobody = Closed now: nobody who answers this inbox is online. Visitors see the offline form.
presence = Status
console-open = Console open
counts-online = Counts as online
demo-shop = Demo Shop
demo-product = Electric kettle 1.7 L
demo-product-text = Stainless steel, boils a litre in three minutes, switches off by itself. Ships within 24 hours.
demo-buy = Add to cart
demo-hint = Questions about delivery or returns? Click the chat button at the bottom right.
demo-nav-new = New in
demo-nav-orders = My orders
demo-nav-help = Help
demo-banner = This is Kefu's demo storefront: chat as a customer with the button at the bottom right, and answer as an agent in the console.
demo-agent-link = Sign in as an agent
demo-test-banner = A test page: this is how your chat window looks on a page of your shop.
widget-voice = Record a voice message
widget-recording = Recording…
widget-voice-stop = Stop
widget-cancel = Cancel
widget-voice-name = voice
widget-mic-denied = The microphone cannot be used: allow this site to use it in your browser's settings, then try again.
console-anonymous-name = Anonymous visitor #{ $n }
console-channel-email = E-mail
console-channel-chat = Live chat
console-note-prefix = [Note]
console-you-prefix = You:
console-waiting = waiting { $t }
console-alert-new = New chat
console-alert-assigned = A conversation was assigned to you
console-alert-mention = You were mentioned
console-notify-denied = The browser blocks notifications for this site: allow them in the browser's site settings, then turn this on again.
console-prefs = Settings
console-theme = Theme
console-theme-auto = Like the system
console-theme-light = Light
console-theme-dark = Dark
console-pref-sound = Play a sound for a new chat, an assignment or a mention
console-pref-notify = Show a browser notification for them
console-pref-help = Kept in this browser.
console-back = Back to the list
console-shortcuts = Keyboard shortcuts
console-details = Details
console-more = More
console-file-send = Send file
console-send-hint = Ctrl+Enter sends · / for phrases · ? for shortcuts
console-tab-customer = Customer
console-tab-ticket = Ticket
console-tab-knowledge = Knowledge
console-tab-team = Team
console-close = Close
console-key-help = Show these shortcuts
console-key-next = Next / previous conversation
console-key-search = Search the list
console-key-reply = Write a reply
console-key-note = Switch between reply and private note
console-key-resolve = Resolve the conversation
console-key-send = Send
console-key-close = Close this, the menu or the details
edit = Edit
desk-nav = Desk
desk-macros = Macros
desk-signatures = Signatures
desk-phrases = My phrases
desk-customers = Customers
desk-reports = Reports
desk-macros-intro = A macro answers and files a ticket in one click from the console's "More" menu: a reply, a new status, priority, stage or type, tags, an assignment. Yours are only for you; shared ones are for the whole shop.
desk-signatures-intro = Signatures end your e-mail replies; choose one in the console when you answer a mail. Inbox signatures (set by admins) are for everyone who answers that inbox.
desk-phrases-intro = Your own standard phrases, next to the shop's: type "/" and a few letters of the title in the console's reply box. Write each in Chinese, English or both; the conversation's language picks the words.
desk-customers-intro = Find a customer by name, e-mail address or phone number, and correct their details. Mails to them follow the language chosen here.
desk-reports-intro = Service levels met and missed, and the quality check of replies, for the period and team you choose.
desk-new-macros = New macro
desk-new-signatures = New signature
desk-new-phrases = New phrase
desk-new-customers = Customer details
desk-new-reports = Reports
desk-editing = Editing
desk-confirm-delete = Delete "{ $name }"? Click again to delete.
desk-shared-badge = Shared
desk-own-badge = Mine
desk-none-yet = Nothing here yet: create the first one with the form.
desk-no-customers = No customer matches. Try part of a name, an e-mail address or a phone number (two characters at least).
desk-network-error = The server could not be reached. Check the connection and try again.
desk-assign = Assign
desk-assign-me = To whoever applies it
desk-add-tags = Add tags (separated by commas)
desk-reply = Reply to the customer
desk-macro-variables = Filled in when applied: {"{"}customer.name{"}"} {"{"}agent.name{"}"} {"{"}order.number{"}"} {"{"}ticket.number{"}"} {"{"}shop.name{"}"}
desk-unchanged = Leave as it is
desk-share = Share with the whole shop
desk-signature-body = Signature
desk-signature-of = Whose signature
desk-signature-mine = Mine
desk-phrase-kind = Kind
desk-phrase-title = Title (what you type after "/")
desk-phrase-zh = In Chinese
desk-phrase-en = In English
desk-shop-language = The shop's language
desk-customer-search = Search customers
desk-customer-search-hint = Name, e-mail or phone
desk-quality-csv = Quality report (CSV)
desk-sla-report = Service levels
desk-sla-target = Target
desk-sla-measured = Measured
desk-sla-met = Met
desk-sla-breached = Missed
desk-sla-rate = Met in time
desk-sla-by-assignee = Missed, by agent
desk-sla-breaches = Missed targets
desk-sla-breached-at = Missed at
err-payload-too-large = The file or text is too large: at most { $mb } MB. Send a smaller one or several parts.
err-unsupported-file-type = This kind of file cannot be sent. Send a picture, a PDF, a ZIP, a text file, a voice note or a short video.
err-file-type-mismatch = The file's name says another type than its content. Rename it with the right extension and try again.
err-empty-file = The file is empty. Choose another one.
err-unsafe-archive = This ZIP file is refused: it would unpack to far more than it weighs, or holds another archive. Send the files themselves.
err-storage-full = The server's disk is full. Tell an administrator; try again later.
err-unavailable = The service is briefly unavailable. Try again in a moment.
err-busy = The server is busy. Try again in a second.
err-unauthorized = You are signed out. Sign in again.
err-conflict = Someone changed this meanwhile. Reload and try again.
err-malformed-json = The request could not be read. Reload the page and try again.
err-json-content-type-required = The request could not be read. Reload the page and try again.
err-bad-body = The request could not be read. Reload the page and try again.
err-invalid-macro = A macro needs a name (at most 100 characters) and at least one action.
err-invalid-signature = Choose one of your signatures or one of the inbox's; a signature needs a name and some text.
err-invalid-phrase = A phrase needs a title (at most 60 characters) and its words in Chinese, English or both.
err-invalid-kind = Choose one of the kinds in the list.
err-invalid-tags = Tags are words of at most 30 characters, at most 20 of them.
err-invalid-status = This status is not possible here. Choose one from the list.
err-invalid-priority = Choose a priority from the list: low, normal, high or urgent.
err-invalid-stage = Choose a stage from the list: pre-sale, in sale or after-sale.
err-invalid-type = Choose a type from the list.
err-invalid-team = That team does not exist (any more). Choose one from the list.
err-invalid-assignee = That person cannot take this conversation: choose an active agent of the inbox's teams.
err-invalid-snooze = Choose a time in the future to snooze until.
err-invalid-note = The note is too long: at most 2,000 characters.
err-invalid-message = The message is empty or too long (at most 5,000 characters).
err-invalid-period = The start of the period must come before its end.
err-invalid-attachment = That file is not part of this conversation.
err-query-too-short = Type at least two characters to search.
err-mail-not-configured = This inbox has no support address yet: an admin sets it in the inbox's mail settings.
err-no-recipient = The customer has no e-mail address: enter a recipient.
err-invalid-recipient = One of the recipients is not an e-mail address. Check the To, CC and BCC fields.
err-too-many-recipients = At most 50 recipients per mail.
err-notes-staff-only = Only staff can write notes.
err-reply-blocked = The reply contains a phrase the shop does not allow. Change the marked words and send again.
err-invalid-csv = The CSV file could not be read: use the columns of the exported file, in UTF-8.
err-import-failed = The import stopped and nothing was changed. Check the file and try again.
err-name-taken = That name is already used. Choose another.
err-case-moved = Someone else moved this case meanwhile. Reload to see where it is.
err-invalid-capacity = Chats at once is a number from 1 to 100.
err-invalid-customer = That customer does not exist (any more).
err-account-address = This customer signs in with this address: only they can change it, in their account.
desk-item-name = Name
kb-import-csv = Import from CSV
kb-import-help = A file with the columns of the export (UTF-8). Articles are matched by their slug: new slugs become new articles, known ones are updated; categories are created as needed. Nothing changes if any row is wrong.
kb-import-go = Import
kb-import-choose = Choose a CSV file first.
kb-import-report = Imported: { $created } new articles, { $updated } updated.
console-mail-retry = Retry now
console-mail-retried = Sending again…
console-mail-forwarded = Forwarded mail
console-mail-bounced = The mail to { $to } came back undelivered; check the address with the customer. The server said: { $error }
console-mail-failed-final = The mail could not be delivered; no more automatic tries. The server said: { $error }
console-mail-failed-retrying = The mail could not be delivered yet; it is tried again automatically. The server said: { $error }
outbox-retry = Send again now
outbox-status-pending = Waiting
outbox-status-sent = Sent
outbox-status-failed = Failed
outbox-status-skipped = Not needed (read in the chat)
notice-outbox-retried = The mail is sent again now.
err-not-waiting = This mail is not waiting to be sent (it was sent or is being sent). Reload to see.
mail-poll = Check every (seconds)
mail-poll-help = Only for servers without IMAP IDLE; with IDLE new mail arrives at once. 30 to 3,600 seconds.
mail-remote-images-blocked = { $count } remote images are hidden: loading them tells the sender that the mail was read.
mail-remote-images-show = Show them
console-mail-new-sender = New sender: not the customer, nor anyone in this conversation so far
console-mail-too-large = The mail was { $size } MB, over the { $limit } MB limit: its files were left out. The original is kept (link below).
console-mail-damaged = Parts of this mail could not be read: what could be read is here, the original is kept (link below).
mail-outcome-damaged = Read in part (a message holds what could be read)
