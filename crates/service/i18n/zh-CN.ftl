# Kefu 界面，简体中文。
home = 首页
console = 工作台
people = 人员
teams = 团队
team = 团队
api-tokens = API 令牌
audit-log = 审计日志
outbox = 发件箱
settings = 设置
account = 我的账户
security = 安全
sign-in = 登录
sign-out = 退出
sign-up = 注册账户
sign-up-intro = 注册后，您可以在一个地方查看您的咨询、投诉和售后申请。
have-account = 已有账户？请登录
forgot-password = 忘记密码？
forgot-intro = 请输入您的电子邮箱，我们会发送一个重设密码的链接。
send-link = 发送链接
new-password = 新密码
password = 密码
password-hint = 至少 8 个字符，不能是常见密码（如 12345678），也不能是同一个字符重复；几个不相关的词就很好。
email = 电子邮箱
name = 姓名
phone = 电话
language = 语言
preferred-channel = 首选联系方式
chat = 在线咨询
sms = 短信
save = 保存
create = 创建
continue = 继续
cancel = 取消
done = 完成
code = 验证码
verified = 已验证
unverified = 未验证
my-conversations = 我的咨询
conversation = 咨询
conversations = 会话
no-conversations = 暂无会话。
status-open = 进行中
status-pending = 待处理
status-snoozed = 稍后处理
status-resolved = 已解决
untitled = （无主题）
visitor = 客户
pick-conversation = 请选择一个会话
customer-typing = 客户正在输入…
reply-placeholder = 输入回复…（勾选下方可写内部备注）
private-note = 内部备注
send = 发送
console-mine = 我的
console-unassigned = 未分配
console-all = 全部
console-pref-capacity = 同时接待数
console-pref-capacity-help = 自动分配最多给您这么多个同时进行的会话。您的快捷操作、签名和常用语：
console-pref-desk = 工作设置 →
console-search = 搜索客户、主题和消息内容
console-more-filters = 筛选
console-any-inbox = 所有收件渠道
console-any-team = 所有团队
console-filter-tag = 标签
console-clear-filters = 清除筛选
console-in-messages = 消息中找到
console-any-status = 所有状态
console-any-stage = 所有阶段
stage-pre_sale = 售前
stage-in_sale = 售中
stage-after_sale = 售后
priority-low = 低
priority-normal = 普通
priority-high = 高
priority-urgent = 紧急
console-assignee = 客服
console-nobody = 未分配（排队）
console-team = 团队
console-no-team = 收件箱的所有团队
console-status = 状态
console-stage = 阶段
console-priority = 优先级
console-tags = 标签（用逗号分隔）
console-snooze = 稍后处理
console-presence = 我的状态
presence-online = 在线
presence-away = 离开
presence-offline = 离线
console-live-visitors = 正在浏览的访客
console-no-visitors = 目前没有访客在网站上。
console-notifications = 提及我的
console-no-notifications = 没有提及。
console-customer = 客户
console-verified = 已验证
console-anonymous = 未验证
console-trail = 浏览轨迹
console-past = 其他对话
console-queue = 排队中：第 { $n } 位
console-collision = { $name } 也在查看此对话
console-attach = 添加附件
console-joined = { $name } 已接入
console-activity = 操作记录
console-agents = 客服团队
console-ev-status = { $by } 将状态改为 { $value }
console-ev-stage = { $by } 将阶段改为 { $value }
console-ev-priority = { $by } 将优先级改为 { $value }
console-ev-tags = { $by } 设置了标签：{ $value }
console-ev-team = { $by } 转给了团队 { $value }
console-ev-unassigned = { $by } 把对话放回了队列
console-ev-reopened = 客户再次留言，对话已重新打开
console-ev-woke = 稍后处理的时间到了
widget-title = 在线客服
widget-subtitle = 我们通常几分钟内回复
widget-greeting = 您好！请问有什么可以帮您？
widget-placeholder = 请输入您的问题…
widget-send = 发送
widget-typing = 客服正在输入…
widget-connecting = 正在连接…
widget-offline = 连接中断，正在重新连接…
widget-failed = 消息发送失败，请重试。
widget-too-fast = 您发送消息过于频繁，请稍候一分钟再发送。
widget-queue = 您前面还有 { $n } 位，客服马上为您服务。
widget-joined = { $name } 正在为您服务
widget-resolved = 本次对话已结束，如有问题可随时再来咨询。
widget-prechat-title = 开始之前
widget-prechat-intro = 留下您的称呼和邮箱，即使您离开我们也能回复您。
widget-name = 您的称呼
widget-email = 电子邮箱
widget-start = 开始咨询
widget-skip = 跳过
widget-offline-title = 客服暂时不在线
widget-offline-intro = 请留言并留下邮箱，我们会通过邮件回复，您下次访问时也能在这里看到。
widget-message = 留言内容
widget-leave-message = 提交留言
widget-offline-sent = 谢谢！我们已收到您的留言，会回复到 { $email }。
widget-attach = 发送文件
widget-transcript = 把对话记录发到我的邮箱
widget-transcript-sent = 对话记录已发送到 { $email }。
widget-file-failed = 文件发送失败，请检查网络后重试。
widget-file-too-large = 文件太大：单个文件最大 { $mb } MB。请发送更小或压缩后的文件。
widget-file-type = 这个文件无法发送：文件内容与文件名不符。请以图片、PDF、文档、音频或视频格式发送。
widget-file-empty = 这个文件是空的，请另选一个。
widget-download = 下载
widget-read = 已读
widget-invalid-email = 请输入有效的电子邮箱。
snippet = 网站插件代码
subject = 主题
status = 状态
updated = 更新时间
time = 时间
action = 操作
actor = 操作人
target = 对象
detail = 详情
older = 更早的记录
setup-title = 设置 Kefu
setup-intro = 请创建第一位管理员。设置码会在服务器启动时打印在日志中，只有运行服务器的人才能完成设置。
setup-code = 设置码
setup-submit = 创建管理员
two-factor = 两步验证
two-factor-prompt = 请输入身份验证器应用中的 6 位验证码，或一个恢复码。
two-factor-why = 在密码之外再输入手机上的验证码，即使密码泄露，账户也依然安全。
turn-on = 开启
turn-off = 关闭
on = 已开启
off = 未开启
recovery-left = 剩余恢复码
recovery-codes = 恢复码
recovery-codes-intro = 请妥善保存这些恢复码。手机丢失时，每个恢复码可登录一次。它们只显示这一次。
totp-step-scan = 用身份验证器应用（Google 身份验证器、Microsoft Authenticator、1Password 等）扫描二维码。
totp-step-code = 输入应用显示的 6 位验证码以确认。
totp-manual = 或在应用中手动输入此密钥：
confirm-password = 确认密码
confirm-password-intro = 为了您的安全，修改登录设置前请再次输入密码。
change-password = 修改密码
change-email = 修改电子邮箱
new-email = 新的电子邮箱
security-intro = 登录、两步验证和电子邮箱。
accept-invitation = 加入团队
join = 加入
invite = 邀请
role = 角色
admin = 管理员
supervisor = 主管
agent = 客服代表
customer = 客户
staff = 员工
customers = 客户
pending-invitations = 待接受的邀请
revoke = 撤销
revoked = 已撤销
active = 有效
activate = 启用
deactivate = 停用
none-yet = 暂无内容。
team-name = 团队名称
add-member = 添加成员
remove = 移除
inboxes = 收件渠道
no-inboxes = 您所在的团队还没有负责的收件渠道，请联系管理员。
inbox-name = 渠道名称
channel = 渠道
assign = 分配
scopes = 权限范围
expires-in-days = 有效期（天）
token-once = 请立即复制此令牌：它不会再次显示。
outbox-no-smtp = 尚未配置 SMTP 服务器，邮件会保存在这里。在 kefu.toml 中配置 [smtp] 后即可发送。
shop-name = 店铺名称
shop-language = 店铺语言
shop-language-help = 发给从未选择语言的顾客的邮件（聊天回复、聊天记录、工单进展）使用这种语言。
identity-secret = 身份签名密钥
identity-secret-intro = 您的店铺用此密钥（HMAC-SHA256）为已登录的顾客签名身份，让 Kefu 知道他们是谁。请只保存在服务器上，切勿写入网页。
rotate = 更换密钥
error-title = 出错了
signup-done-title = 请查收邮件
signup-done-body = 我们已发送一个确认邮箱的链接。请点击链接后再登录。
resend-verification = 重新发送确认链接
verified-title = 邮箱已确认
verified-body = 谢谢！您的电子邮箱已确认，现在可以登录了。
reset-sent-title = 请查收邮件
reset-sent-body = 如果有账户使用此邮箱，重设密码的链接已经发出。链接只能使用一次，一小时内有效。
notice-signed-out = 您已退出。
notice-password-reset = 密码已修改，请用新密码登录。
notice-saved = 已保存。
notice-invited = 邀请已发送。
notice-password-changed = 密码已修改，您在其他设备上的登录已退出。
notice-email-change-sent = 确认链接已发送到新邮箱，点击链接后修改生效。
notice-totp-disabled = 两步验证已关闭。
notice-token-created = 令牌已创建。
err-invalid-credentials = 电子邮箱或密码错误。
err-email-unverified = 请先确认您的电子邮箱：点击我们发送的链接。
err-email-taken = 该电子邮箱已注册。
err-invalid-email = 电子邮箱格式不正确。
err-password-length = 密码长度须为 8 到 256 个字符。
err-password-weak = 这个密码太容易被猜到：它是常见密码，或是同一个字符重复。请使用至少 8 个字符，例如几个不相关的词。
err-invalid-language = 请选择简体中文（zh-CN）或英文（en）。
err-invalid-name = 姓名须为 1 到 100 个字符。
err-invalid-phone = 电话号码格式不正确。
err-invalid-token = 链接无效、已使用或已过期。
err-invalid-code = 验证码错误或已使用。
err-rate-limited = 尝试次数过多，请在 { $seconds } 秒后再试。
err-csrf-failed = 表单已过期，请刷新页面后重试。
err-forbidden = 您没有权限访问此页面。
err-not-found = 未找到。
err-internal = 服务器出现问题。
err-invalid-setup-code = 设置码错误。设置码打印在服务器日志中。
err-last-admin = 店铺至少需要一位有效的管理员。
err-invalid-identity = 店铺为此顾客提供的签名缺失、错误或已过期。
mail-verify-subject = 请确认您的电子邮箱
mail-verify-body =
    { $name }，您好！

    请打开以下链接确认您的电子邮箱：
    { $link }

    链接只能使用一次，48 小时内有效。如果您没有注册账户，请忽略此邮件。

    祝您愉快！
    客服中心
mail-reset-subject = 重设您的密码
mail-reset-body =
    { $name }，您好！

    有人申请重设您账户的密码。如需设置新密码，请打开：
    { $link }

    链接只能使用一次，一小时内有效。如果不是您本人操作，请忽略此邮件，您的密码不会改变。

    祝您愉快！
    客服中心
mail-change-email-subject = 请确认您的新电子邮箱
mail-change-email-body =
    { $name }，您好！

    如需将此邮箱用于您的账户，请打开：
    { $link }

    如果不是您本人操作，请忽略此邮件。

    祝您愉快！
    客服中心
mail-invite-subject = 邀请您加入{ $shop }客服团队
mail-invite-body =
    您好！

    { $shop }邀请您成为客服代表。如需加入，请打开：
    { $link }

    邀请只能使用一次，7 天内有效。

    祝您工作愉快！
    { $shop }
mail-chat-reply-subject = { $shop } 给您回复了
mail-chat-reply-body =
    { $name }，您好！

    您与 { $shop } 的对话有新的回复：

    { $messages }

    再次打开我们网站上的聊天窗口即可继续对话，记录都保留在那里。

    祝您愉快！
    客服中心
mail-transcript-subject = 您与 { $shop } 的对话记录
mail-transcript-body =
    您好！

    按您的要求，这是您与 { $shop } 的对话记录：

    { $messages }

    祝您愉快！
    客服中心
inbox-settings = 渠道设置
auto-assign = 自动把新对话分配给在线客服（轮流分配，不超过每人的接待上限）
prechat = 对话前询问称呼和邮箱
prechat-off = 否
prechat-optional = 是，可跳过
prechat-required = 是，必填
greeting = 欢迎语（留空则使用默认）
offline-message = 留言表单上方的说明（留空则使用默认）
business-hours = 营业时间
business-hours-help = 每行一个时段：星期（1 = 周一 … 7 = 周日）和时间，例如 1-5 09:00-18:00。留空表示全天营业。营业时间外或没有客服在线时，窗口改为留言。
utc-offset = 时区：与 UTC 相差的分钟数（480 = 北京时间）
inbox-time-zone = 时区名称（如 Asia/Shanghai，自动处理夏令时）。留空则用上面的分钟数。
inbox-holidays = 节假日：每行一个日期（YYYY-MM-DD），当天全天休息
invitation-rules = 主动邀请
invitation-rules-help = 访客在匹配的页面停留一段时间后，窗口自动打开并显示这条问候。网址规则中 * 代表任意内容。
url-pattern = 网址规则
min-seconds = 停留秒数
returning-only = 仅限回访访客
invitation-message = 问候语
add = 添加
delete = 删除
snippet-help = 把这段代码粘贴到商城每个页面的 </body> 之前。要让已登录的顾客看到历史对话，请加上签名身份（见 API 文档）：
settings-link = 设置
reply = 回复
help-centre = 帮助中心
help-description = 关于订单、物流、退换货等常见问题的解答。
help-how-can-we-help = 有什么可以帮您？
help-empty = 还没有文章。
help-search-placeholder = 搜索：订单、退货、refund …
search = 搜索
help-article-count = { $n } 篇文章
help-most-read = 最多阅读
help-other-language = 这篇文章还没有中文版，以下是英文版。
help-updated = 更新于
help-was-helpful = 这篇文章对您有帮助吗？
help-comment = 还想告诉我们什么（可选）
yes = 有帮助
no = 没帮助
help-thanks = 感谢您的反馈。
help-related = 相关文章
help-results-for = “{ $q }”的搜索结果
help-no-results = 没有找到。换个词试试，或联系我们。
help-exact-count = { $n } 篇文章包含“{ $q }”。
help-exact-count-more = 超过 { $n } 篇文章包含“{ $q }”，再加一个词可以缩小范围。
help-related-heading-more = 相关文章：包含“{ $q }”的部分内容
help-no-exact = 没有文章包含完整的“{ $q }”。
help-try-words = 可以只搜其中的词：
help-related-heading = 相关文章：{ $n } 篇包含“{ $q }”的部分内容
help-pages = 搜索结果分页
help-page-of = 第 { $page } 页，共 { $pages } 页
help-previous = 上一页
help-next = 下一页
widget-suggest-head = 这些文章也许能解答您的问题：
widget-article-back = 返回聊天
widget-open-help = 在帮助中心打开
widget-settled = 问题已解决
widget-not-settled = 仍需人工帮助
widget-settled-thanks = 很高兴帮到您！您可以关闭窗口，有需要随时联系我们。
knowledge-base = 知识库
kb-new-article = 新建文章
kb-new-category = 新建分类或栏目
kb-category = 分类
kb-title = 标题
kb-body = 正文（Markdown）
kb-slug = 地址（slug）
kb-slug-auto = 默认由英文标题生成
kb-tags = 标签（逗号分隔）
kb-parent = 所属分类（作为栏目）
kb-name-zh = 名称（中文）
kb-name-en = 名称（英文）
kb-draft = 草稿
kb-published = 已发布
kb-archived = 已归档
kb-views = 阅读
kb-helpful = 有帮助 / 没帮助
kb-settled = 自助解决
kb-none = 这里还没有文章。
kb-preview = 预览
kb-readers = 读者反馈
kb-revisions = 修订历史
kb-restore = 恢复此版本
kb-reason-edit = 编辑
kb-reason-restore = 恢复
kb-reason-import = 导入
kb-reason-conversation = 来自会话
kb-markdown-help = Markdown：# 标题、**加粗**、*斜体*、[链接](https://…)、列表、表格。HTML 会按原文显示。中英文都可以留空其一。
all = 全部
filter = 筛选
notice-article-saved = 已保存。
notice-category-created = 分类已创建。
console-articles = 知识库文章
console-article-search = 搜索文章
console-insert-link = 插入链接
console-insert-text = 插入正文
console-draft-article = 用本会话起草文章
console-draft-done = 草稿已保存：打开
kb-export-csv = 导出 CSV
kb-categories = 分类与栏目
notice-category-saved = 分类已保存。
notice-category-deleted = 分类已删除。
err-category-not-empty = 请先移走或删除该分类下的文章。
err-slug-taken = 这个地址（slug）已被使用。
err-edit-conflict = 在您打开之后，其他人保存了这篇文章。请复制您的修改，刷新后重新应用。
err-invalid-title = 文章需要中文或英文标题，有正文的语言必须有标题（最多 200 字）。
err-invalid-slug = 地址（slug）为 1 到 100 个小写字母、数字或连字符。
err-invalid-category = 请选择分类。
err-invalid-body = 正文最多 100,000 字。
err-invalid-tag = 每个标签最多 40 字且不含逗号；最多 20 个标签。
err-invalid-parent = 栏目只能放在分类下，不能放在另一个栏目下。

## E-mail inboxes
channel-widget = 在线聊天（网页插件）
channel-email = 电子邮件
mail-settings = 邮件设置
mail-reading = 收信
mail-last-error = 最近的错误
mail-reading-ok = 最近一次收信
mail-not-read-yet = 尚未收信：请在下方设置 IMAP 服务器。
mail-check = 测试连接
mail-check-ok = 已连接
mail-address = 客服邮箱地址
mail-display-name = 发件人名称
mail-imap = 收信（IMAP）
mail-smtp = 发信（SMTP）
mail-host = 服务器
mail-port = 端口
mail-security = 加密方式
mail-tls-tls = TLS（端口 993 / 465）
mail-tls-starttls = STARTTLS（端口 143 / 587）
mail-tls-none = 不加密（仅限本机服务器）
mail-username = 用户名
mail-password = 密码
mail-password-kept = 已保存；留空则保持不变
mail-password-help = 密码使用服务器密钥加密保存，保存后不再显示。
mail-folder = 文件夹
mail-not-stored = 未转为消息的邮件
mail-not-stored-help = 自动回复、退信、回流的本系统邮件、无法解析或远超大小上限的邮件，以及仅部分可读的邮件（可读内容已存为消息）。不会丢弃任何邮件：可下载原件查看。
mail-outcome = 类型
mail-from = 发件人
mail-subject = 主题
mail-download-raw = 原件
mail-outcome-unparsable = 无法解析
mail-outcome-too_large = 邮件过大
mail-outcome-flood = 同一发件人邮件过多
mail-outcome-auto_reply = 自动回复
mail-outcome-bounce = 退信
mail-outcome-own_mail = 本系统发出的邮件
mail-outcome-stored = 已保存
mail-outcome-sent = 已发送
mail-outcome-queued = 等待发送
mail-to = 收件人
mail-cc = 抄送
mail-bcc = 密送
mail-to-default = 该客户
mail-signature = 签名
mail-original = 查看原始邮件
mail-attached = 随下一封邮件发送
mail-case-code-subject = 您提交投诉或售后申请的验证码
mail-case-code-body =
    您好！

    您的验证码是 { $code }。请在表单中填写，只能使用一次，15 分钟内有效。

    如果不是您本人操作，请忽略此邮件。

    祝您愉快！
    客服中心
mail-case-filed-complaint-subject = 投诉 { $tracking } 已受理
mail-case-filed-complaint-body =
    您好！

    我们已收到您的投诉，受理编号为 { $tracking }。
    您可以在以下页面查看进度、补充信息：
    { $link }

    请妥善保管此链接：持有链接的人都能查看该投诉。

    祝您愉快！
    客服中心
mail-case-filed-claim-subject = 售后申请 { $tracking } 已受理
mail-case-filed-claim-body =
    您好！

    我们已收到您的售后申请，受理编号为 { $tracking }。
    您可以在以下页面查看进度、补充信息：
    { $link }

    请妥善保管此链接：持有链接的人都能查看该申请。

    祝您愉快！
    客服中心
mail-case-status-subject = { $tracking }：状态更新为 { $status }
mail-case-status-body =
    您好！

    您的单号 { $tracking } 当前状态：{ $status }。
    { $note }

    打开我们第一封邮件中的链接可查看完整进度。

    祝您愉快！
    客服中心
case-form-title = 投诉与售后申请
case-form-intro = 请告诉我们遇到的问题。提交后您会得到受理编号和进度页面，可随时查看进度、补充信息。
case-kind = 您需要什么帮助？
case-kind-complaint = 投诉
case-kind-claim = 退货、退款或换货（售后）
case-send-code = 发送验证码
case-code = 邮件中的验证码
case-code-sent = 验证码已发送到该邮箱，15 分钟内有效。
case-category = 类别
case-severity = 严重程度
case-severity-low = 轻微
case-severity-medium = 一般
case-severity-high = 严重
case-severity-critical = 非常严重
case-order = 订单号
case-resolution = 您希望如何处理？
case-return = 退货
case-refund = 退款
case-exchange = 换货
case-reason = 原因
case-description = 具体情况
case-files = 照片或文件
case-submit = 提交
case-status-title = 受理单
case-missing = 找不到该受理单。请重新打开邮件中的链接，或登录提交时使用的账户。
case-progress = 进度
case-history = 处理记录
case-add-info = 补充信息
case-you = 您
case-staff = 客服
case-tracking = 受理编号
case-current = 当前状态
case-closed-note = 该受理单已关闭。如需更多帮助，请重新提交。
case-received = 已受理
case-investigating = 处理中
case-waiting-customer = 等待您回复
case-resolved = 已解决
case-closed = 已关闭
case-requested = 已申请
case-approved = 已同意
case-rejected = 已拒绝
case-item-received = 已收到退货
case-refunded = 已退款
case-replaced = 已换货
type-question = 咨询
type-incident = 故障
type-complaint = 投诉
type-claim = 售后索赔
type-suggestion = 建议
sla-first-response = 首次响应
sla-next-response = 再次响应
sla-resolution = 解决
sla-due-in = { $t }后到期
sla-overdue = 已超时 { $t }
console-type = 类型
console-ticket = 工单
console-split = 拆分为新工单
console-merge-ask = 将此会话合并到工单号：
console-case-note = 给客户的说明（可选）
console-open-case = 转为投诉或售后单
console-macros = 宏…
console-apply = 执行
console-merge-into = 合并到的工单号
console-merge = 合并
console-save-fields = 保存字段
case-moved = 状态更新为：
console-ev-escalated = 严重程度为“{ $value }”的投诉已升级给主管团队
console-sla-missed = 未达成{ $value }目标
tickets-admin = 工单与服务水平
inbox = 收件渠道
sla-report = 服务水平报告
sla-period = 最近天数
sla-measured = 统计数
sla-met = 达成
sla-breached = 超时
sla-by-policy = 按策略统计超时
sla-by-agent = 按客服统计超时
sla-breaches = 超时记录
sla-target = 目标
sla-policy = 策略
sla-due = 到期时间
sla-calendars = 工作时间
sla-calendars-intro = 目标只按工作时间计算：每个工作日的时段，扣除节假日，按日历的时区。
sla-policies = 服务水平策略
sla-policies-intro = 工单按收件渠道、类型和优先级匹配第一条策略。目标以工作分钟计；留空表示不考核该项。
sla-calendar = 日历
sla-remind = 提前提醒
ticket-fields = 工单字段
field-key = 键名
field-label = 名称
field-kind = 类型
field-options = 选项（逗号分隔）
field-required = 解决前必填
case-settings = 投诉与售后
case-settings-inbox = 新受理单进入的渠道
case-categories = 投诉类别（每行一个）
case-escalate-from = 达到该严重程度即升级
case-supervisors = 主管团队
tickets-w-any = 任意
tickets-w-always = 全天候
tickets-w-remove = 删除
tickets-w-saved = 已保存。
tickets-w-first-response = 首次响应
tickets-w-next-response = 再次响应
tickets-w-resolution = 解决
tickets-w-hours-help = 每行一个时段：星期（1 = 周一 … 7 = 周日）和时间，例如 1-5 09:00-18:00。留空表示全天候。
tickets-w-holidays-help = 节假日，每行一个日期（YYYY-MM-DD）
tickets-w-time-zone = 时区
tickets-w-up = 上移
tickets-nav = 工单与时效
my-cases = 我的投诉与售后
quality-zip = 打包成一个 zip 文件
quality-send-anyway = 仍然发送
quality-blocked = 未发送：
quality-warned = 发送前请检查：
etq-blank-subject = 主题为空：空白标题是最失礼的（已阻止发送）。
etq-long-subject = 主题过长（{ $detail } 个字符宽）：标题要简短、反映内容。
etq-no-salutation = 缺少称呼与问候：开头请问候客户（如“陈女士，您好！”）。
etq-no-closing = 缺少祝福语：结尾请加上祝福（如“祝您生活愉快！”）。
etq-attachment-missing = 正文提到了附件，但没有添加附件。
etq-attachments-unmentioned = 添加了 { $detail } 个附件，但正文没有提示：请说明附件内容。
etq-too-many-attachments = 附件有 { $detail } 个：超过 4 个时应打包压缩成一个文件。
etq-meaningless-name = “{ $detail }”无法看出内容：请用有意义的文件名。
etq-no-signature = 没有签名：请选择签名，让客户知道发件人（姓名、电话、店铺）。
etq-signature-language = 签名与正文语言不一致（{ $detail }）。
etq-many-recipients = 有 { $detail } 个可见收件人：只需知情的人可以改为密送。
phrases = 规范用语
phrase-suggest-greeting = 开场问候：
phrase-suggest-thanks = 结束致谢：
phrase-unfilled = 未能自动填写 { $names }：请在发送前补全。
phrase-kind-greeting = 问候语
phrase-kind-inquiry = 询问语
phrase-kind-response = 应答语
phrase-kind-apology = 道歉语
phrase-kind-thanks = 感谢语
callback-title = 请给我回电
callback-intro = 留下您的电话和方便的时间，我们的客服会给您回电。
callback-phone = 电话号码
callback-when = 方便接听的时间
callback-when-hint = 留空表示尽快回电。
callback-note = 需要咨询什么？
callback-submit = 申请回电
callback-done = 谢谢，我们会尽快给您回电。
calls-title = 电话服务
calls-nav = 电话
calls-log-for = 记录通话
callbacks = 回电申请
callback-take = 领取
callback-call = 现在回电
callback-asap = 尽快
callback-none = 没有待处理的回电申请。
call-script = 通话话术
call-stage-answer = 接听：恰当的第一句话
call-stage-ask = 询问
call-stage-respond = 应答
call-stage-apologise = 道歉
call-stage-thank = 感谢
call-stage-hang-up = 挂机
call-log = 记录通话
call-direction = 方向
call-inbound = 呼入
call-outbound = 呼出
call-minutes = 时长（分钟）
call-outcome = 结果
call-outcome-answered = 已接通
call-outcome-resolved = 已解决
call-outcome-callback-needed = 需再次回电
call-outcome-no-answer = 无人接听
call-outcome-voicemail = 语音信箱
call-outcome-wrong-number = 号码错误
call-notes = 备注
call-save = 保存通话记录
call-logged = 通话已记录。
quality-nav = 服务质量
quality-admin = 服务质量
quality-report = 服务质量报告
quality-agent = 客服
quality-checked = 检查回复数
quality-clean = 合规
quality-sent-anyway = 仍然发送
quality-stopped = 已修改
quality-blocked-count = 被阻止
quality-rules = 按规则统计
quality-examples = 示例
quality-forbidden = 禁语
quality-forbidden-intro = 客服在聊天和邮件中的每条回复发送前都会按以下规则检查。提醒：客服可以仍然发送（会被记录）；阻止：回复不会发送。例外词是包含该禁语但无需提醒的较长词语。
quality-phrase = 禁语
quality-lang = 语言
quality-severity = 级别
quality-suggestion = 建议说法
quality-exceptions = 例外（逗号分隔）
quality-warn = 提醒
quality-block = 阻止
phrase-variables = 可用变量：{"{"}customer.name{"}"} {"{"}agent.name{"}"} {"{"}order.number{"}"} {"{"}shop.name{"}"}
quality-total = 全部客服

# Onboarding: the first steps of a new shop.
onboarding = 开始使用
onboarding-progress = 已完成 { $done } / { $total } 步。每一步完成后会自动勾选。
onboarding-done = 已完成
onboarding-todo = 待完成
onboarding-shop = 给店铺起名并选择语言
onboarding-shop-help = 顾客会在聊天窗口和 Kefu 发出的每封邮件里看到店铺名称。
onboarding-inbox = 把在线客服放到您的网站
onboarding-inbox-help = 把这一行粘贴到店铺每个页面的 </body> 之前，页面右下角就会出现客服按钮。
onboarding-create-chat = 创建网站在线客服
onboarding-inbox-settings = 欢迎语、工作时间和表单
onboarding-team-name = 客服组
onboarding-inbox-name = 网站
onboarding-answered-by = 指定接待人员
onboarding-answered-by-help = 在工作时间内，且收件箱所属团队中至少有一名成员在工作台中设为“在线”时，聊天窗口才会开放。管理员只有加入团队后才算在内。
onboarding-try-widget = 以顾客身份试用
onboarding-try-widget-help = 打开带聊天窗口的测试页面，发一条消息试试。
onboarding-open-test-page = 打开带聊天窗口的测试页面
onboarding-first-chat = 回复第一个对话
onboarding-first-chat-help = 保持工作台打开并设为“在线”：新对话会出现在那里，并有提示音。
onboarding-invite = 邀请客服人员
onboarding-invite-help = 每位客服会收到一封邮件，通过其中的链接设置密码。再把他们加入负责接待的团队。
onboarding-mail = 连接店铺邮箱
onboarding-mail-help = 顾客的邮件会变成对话，回复也能送达已离开聊天的顾客。先创建一个邮件收件箱，再填写邮件服务器设置。
onboarding-mail-link = 创建邮件收件箱
notice-website-chat = 网站在线客服已就绪，您已加入负责接待的团队。
copy = 复制
copied = 已复制
who-answers = 谁在接待这个收件箱
who-answers-rule = 在工作时间内，且下列人员中至少有一人在工作台设为“在线”（工作台顶部的状态菜单）并保持工作台打开时，访客才能发起聊天。其他人（包括管理员）不算在内：请在“团队”页面把他们加入其中一个团队。
who-answers-nobody = 这个收件箱还没有接待人员，聊天窗口会一直显示留言表单。请把收件箱分配给有成员的团队。
availability-open = 当前开放：{ $n } 人在线。
availability-closed-hours = 当前关闭：不在工作时间内，访客会看到留言表单。
availability-closed-nobody = 当前关闭：接待这个收件箱的人员都不在线，访客会看到留言表单。
presence = 状态
console-open = 工作台已打开
counts-online = 算作在线
demo-shop = 演示店铺
demo-product = 电热水壶 1.7 升
demo-product-text = 不锈钢内胆，三分钟烧开一升水，烧开自动断电。24 小时内发货。
demo-buy = 加入购物车
demo-hint = 关于配送或退货有疑问？点击右下角的客服按钮。
demo-nav-new = 新品
demo-nav-orders = 我的订单
demo-nav-help = 帮助
demo-banner = 这是 Kefu 的演示店铺：用右下角的按钮以顾客身份聊天，再到工作台以客服身份回复。
demo-agent-link = 以客服身份登录
demo-test-banner = 测试页面：您的聊天窗口在店铺页面上就是这样显示的。
widget-voice = 录制语音
widget-recording = 正在录音…
widget-voice-stop = 停止
widget-cancel = 取消
widget-voice-name = 语音
widget-mic-denied = 无法使用麦克风：请在浏览器设置中允许本网站使用麦克风，然后再试。
console-anonymous-name = 匿名访客 #{ $n }
console-channel-email = 邮件
console-channel-chat = 在线聊天
console-note-prefix = [备注]
console-you-prefix = 我：
console-waiting = 已等待 { $t }
console-alert-new = 新对话
console-alert-assigned = 有对话分配给了您
console-alert-mention = 有人提到了您
console-notify-denied = 浏览器已阻止本网站的通知：请在浏览器的网站设置中允许通知，然后再打开此项。
console-prefs = 设置
console-theme = 主题
console-theme-auto = 跟随系统
console-theme-light = 浅色
console-theme-dark = 深色
console-pref-sound = 新对话、分配给我或被提到时播放提示音
console-pref-notify = 同时显示浏览器通知
console-pref-help = 保存在当前浏览器中。
console-back = 返回列表
console-shortcuts = 键盘快捷键
console-details = 详情
console-more = 更多
console-file-send = 发送文件
console-send-hint = Ctrl+Enter 发送 · 输入 / 选用常用语 · 按 ? 查看快捷键
console-tab-customer = 客户
console-tab-ticket = 工单
console-tab-knowledge = 知识库
console-tab-team = 同事
console-close = 关闭
console-key-help = 显示快捷键
console-key-next = 下一个 / 上一个对话
console-key-search = 搜索列表
console-key-reply = 输入回复
console-key-note = 在回复和内部备注之间切换
console-key-resolve = 解决对话
console-key-send = 发送
console-key-close = 关闭此窗口、菜单或详情
edit = 编辑
desk-nav = 工作设置
desk-macros = 快捷操作
desk-signatures = 邮件签名
desk-phrases = 我的常用语
desk-customers = 客户
desk-reports = 报表
desk-macros-intro = 快捷操作可在工作台的“更多”菜单中一键完成回复和工单处理：回复内容、状态、优先级、阶段、类型、标签和分配。“我的”仅自己可用，“共享”的全店可用。
desk-signatures-intro = 签名附在您的邮件回复末尾；回复邮件时在工作台中选择。收件渠道的签名（由管理员设置）供该渠道的所有客服使用。
desk-phrases-intro = 您自己的常用语，与店铺的常用语一起使用：在工作台回复框中输入“/”和标题的几个字即可。可以写中文、英文或两者；按会话的语言选用。
desk-customers-intro = 按姓名、邮箱或电话查找客户并更正其资料。发给客户的邮件使用此处选择的语言。
desk-reports-intro = 所选时间段和团队的服务时效达成与超时情况，以及回复的质检结果。
desk-new-macros = 新建快捷操作
desk-new-signatures = 新建签名
desk-new-phrases = 新建常用语
desk-new-customers = 客户资料
desk-new-reports = 报表
desk-editing = 正在编辑
desk-confirm-delete = 删除“{ $name }”？再点一次即删除。
desk-shared-badge = 共享
desk-own-badge = 我的
desk-none-yet = 还没有内容：用右侧表单创建第一个。
desk-no-customers = 没有匹配的客户。请输入姓名、邮箱或电话的一部分（至少两个字符）。
desk-network-error = 无法连接服务器。请检查网络后重试。
desk-assign = 分配
desk-assign-me = 分配给使用者
desk-add-tags = 添加标签（用逗号分隔）
desk-reply = 回复客户的内容
desk-macro-variables = 使用时自动填入：{"{"}customer.name{"}"} {"{"}agent.name{"}"} {"{"}order.number{"}"} {"{"}ticket.number{"}"} {"{"}shop.name{"}"}
desk-unchanged = 保持不变
desk-share = 与全店共享
desk-signature-body = 签名内容
desk-signature-of = 签名归属
desk-signature-mine = 我的
desk-phrase-kind = 类别
desk-phrase-title = 标题（在“/”后输入）
desk-phrase-zh = 中文
desk-phrase-en = 英文
desk-shop-language = 店铺语言
desk-customer-search = 搜索客户
desk-customer-search-hint = 姓名、邮箱或电话
desk-quality-csv = 质检报表（CSV）
desk-sla-report = 服务时效
desk-sla-target = 指标
desk-sla-measured = 统计数
desk-sla-met = 达成
desk-sla-breached = 超时
desk-sla-rate = 达成率
desk-sla-by-assignee = 按客服统计超时
desk-sla-breaches = 超时记录
desk-sla-breached-at = 超时时间
err-payload-too-large = 文件或文字太大：最多 { $mb } MB。请发送更小的文件或分成几部分。
err-unsupported-file-type = 不支持发送这种文件。请发送图片、PDF、ZIP、文本文件、语音或短视频。
err-file-type-mismatch = 文件名的扩展名与文件内容不符。请改用正确的扩展名后重试。
err-empty-file = 文件是空的。请选择其他文件。
err-unsafe-archive = 已拒绝该 ZIP 文件：解压后远大于文件本身，或内含其他压缩包。请直接发送其中的文件。
err-storage-full = 服务器磁盘已满。请告知管理员，稍后再试。
err-unavailable = 服务暂时不可用。请稍后再试。
err-busy = 服务器繁忙。请一秒后再试。
err-unauthorized = 您已退出登录。请重新登录。
err-conflict = 其他人刚刚修改了此内容。请刷新后重试。
err-malformed-json = 无法读取请求。请刷新页面后重试。
err-json-content-type-required = 无法读取请求。请刷新页面后重试。
err-bad-body = 无法读取请求。请刷新页面后重试。
err-invalid-macro = 快捷操作需要名称（最多 100 个字符）和至少一个动作。
err-invalid-signature = 请选择您自己的或该收件渠道的签名；签名需要名称和内容。
err-invalid-phrase = 常用语需要标题（最多 60 个字符），以及中文、英文或两种语言的内容。
err-invalid-kind = 请从列表中选择类别。
err-invalid-tags = 标签每个最多 30 个字符，最多 20 个。
err-invalid-status = 此处不能设为该状态。请从列表中选择。
err-invalid-priority = 请从列表中选择优先级：低、普通、高或紧急。
err-invalid-stage = 请从列表中选择阶段：售前、售中或售后。
err-invalid-type = 请从列表中选择类型。
err-invalid-team = 该团队不存在（或已删除）。请从列表中选择。
err-invalid-assignee = 此人不能接手该会话：请选择该渠道所属团队中的在岗客服。
err-invalid-snooze = 请选择一个将来的时间作为暂缓截止时间。
err-invalid-note = 备注太长：最多 2,000 个字符。
err-invalid-message = 消息为空或太长（最多 5,000 个字符）。
err-invalid-period = 时间段的开始必须早于结束。
err-invalid-attachment = 该文件不属于此会话。
err-query-too-short = 请至少输入两个字符再搜索。
err-mail-not-configured = 该收件渠道还没有客服邮箱地址：请管理员在该渠道的邮件设置中填写。
err-no-recipient = 该客户没有邮箱地址：请填写收件人。
err-invalid-recipient = 有收件人不是有效的邮箱地址。请检查收件人、抄送和密送。
err-too-many-recipients = 每封邮件最多 50 个收件人。
err-notes-staff-only = 只有客服人员可以写备注。
err-reply-blocked = 回复中含有店铺禁止使用的用语。请修改标出的词语后再发送。
err-invalid-csv = 无法读取 CSV 文件：请使用导出文件的列，UTF-8 编码。
err-import-failed = 导入已停止，没有任何改动。请检查文件后重试。
err-name-taken = 该名称已被使用。请换一个。
err-case-moved = 其他人刚刚变更了此受理单。请刷新查看最新状态。
err-invalid-capacity = 同时接待数须为 1 到 100 之间的数字。
err-invalid-customer = 该客户不存在（或已删除）。
err-account-address = 该客户用此邮箱登录，只能由客户本人在账户中修改。
desk-item-name = 名称
kb-import-csv = 从 CSV 导入
kb-import-help = 使用与导出文件相同列的 UTF-8 文件。按文章的 slug 匹配：新的 slug 新建文章，已有的则更新；需要时自动新建分类。任何一行有误则不做任何改动。
kb-import-go = 导入
kb-import-choose = 请先选择 CSV 文件。
kb-import-report = 导入完成：新建 { $created } 篇，更新 { $updated } 篇。
console-mail-retry = 立即重试
console-mail-retried = 正在重新发送…
console-mail-forwarded = 转发的邮件
console-mail-bounced = 发往 { $to } 的邮件被退回，请与顾客核对地址。服务器返回：{ $error }
console-mail-failed-final = 邮件未能送达，已停止自动重试。服务器返回：{ $error }
console-mail-failed-retrying = 邮件暂未送达，将自动重试。服务器返回：{ $error }
outbox-retry = 立即重新发送
outbox-status-pending = 等待发送
outbox-status-sent = 已发送
outbox-status-failed = 发送失败
outbox-status-skipped = 无需发送（已在聊天中读过）
notice-outbox-retried = 邮件正在重新发送。
err-not-waiting = 这封邮件不在等待发送（已发送或正在发送）。请刷新查看。
mail-poll = 检查间隔（秒）
mail-poll-help = 仅用于不支持 IMAP IDLE 的服务器；支持 IDLE 时新邮件会立即收到。30 到 3,600 秒。
mail-remote-images-blocked = 已隐藏 { $count } 张远程图片：加载它们会让发件人知道邮件已被阅读。
mail-remote-images-show = 显示图片
console-mail-new-sender = 新发件人：不是该客户，也不在此前的收件人中
console-mail-too-large = 该邮件 { $size } MB，超过 { $limit } MB 上限：附件未保存。原始邮件已保留（见下方链接）。
console-mail-damaged = 该邮件有部分内容无法读取：能读取的内容在此，原始邮件已保留（见下方链接）。
mail-outcome-damaged = 部分可读（可读内容已存为消息）
