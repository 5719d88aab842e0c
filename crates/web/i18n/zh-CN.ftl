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
sign-up-intro = 注册后，您可以在一个地方查看您的咨询、订单和申请。
have-account = 已有账户？请登录
forgot-password = 忘记密码？
forgot-intro = 请输入您的电子邮箱，我们会发送一个重设密码的链接。
send-link = 发送链接
new-password = 新密码
password = 密码
password-hint = 至少 8 个字符。
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
widget-title = 在线客服
widget-subtitle = 我们通常几分钟内回复
widget-greeting = 您好！请问有什么可以帮您？
widget-placeholder = 请输入您的问题…
widget-send = 发送
widget-typing = 客服正在输入…
widget-connecting = 正在连接…
widget-offline = 连接中断，正在重新连接…
widget-failed = 消息发送失败，请重试。
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
err-password-weak = 这个密码太容易被猜到。
err-invalid-name = 姓名须为 1 到 100 个字符。
err-invalid-phone = 电话号码格式不正确。
err-invalid-token = 链接无效、已使用或已过期。
err-invalid-code = 验证码错误或已使用。
err-rate-limited = 尝试次数过多，请稍后再试。
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
