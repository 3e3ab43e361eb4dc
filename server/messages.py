"""Messages shown to people: Chinese first, English beside it.

API errors carry a stable ``code`` (the PWA translates by code) and a
``message`` in Chinese, with ``message_en`` for the English switch. Each
message says what failed, on which value, and what to do next.
"""

import logging
from typing import NamedTuple

log = logging.getLogger("genzong.messages")


class Detail(NamedTuple):
    """A part of a message, such as a field's title, in Chinese and in English."""

    zh: str
    en: str


MESSAGES: dict[str, tuple[str, str]] = {
    # Envelope errors: the whole request is refused and nothing is stored.
    "invalid_json": ("请求内容不是有效的 JSON：{detail}。请更新应用后重试。",
                     "The request body is not valid JSON: {detail}. Update the app and retry."),
    "invalid_request": ("同步请求格式不正确：{detail}。请更新应用后重试。",
                        "The sync request is malformed: {detail}. Update the app and retry."),
    "body_too_large": ("请求太大（{size} 字节，上限 {limit} 字节）。请分成较小的批次或文件后重试。",
                       "The request is too large ({size} bytes, limit {limit}). Retry with smaller batches or a smaller file."),
    "too_many_changes": ("一次最多同步 {limit} 条修改，本次有 {count} 条。请分批同步。",
                         "At most {limit} changes per request, this one has {count}. Sync in smaller batches."),
    "device_taken": ("设备编号 {device} 已属于另一位用户。请退出后重新登录，应用会生成新的设备编号。",
                     "Device id {device} belongs to another user. Log out and in again to get a new device id."),
    "unauthorized": ("登录已失效，请重新登录。",
                     "Your login has expired or was revoked. Log in again."),
    "forbidden": ("你的账号无权访问此功能。",
                  "Your account may not use this function."),
    "login_failed": ("用户名或密码错误。",
                     "Wrong username or password."),
    "account_disabled": ("账号 {username} 已停用，不能登录。请联系你的经理。",
                         "The account {username} is disabled and cannot log in. Ask your manager."),
    "json_required": ("请求必须以 JSON 发送（Content-Type: application/json），收到的是 {value}。请更新应用后重试。",
                      "The request must be sent as JSON (Content-Type: application/json), got {value}. Update the app and retry."),
    "login_locked": ("登录失败次数过多，请 {seconds} 秒后再试。",
                     "Too many failed logins. Try again in {seconds} seconds."),
    "handover_not_user_id": ("交接请求的“{name}”应为用户编号，收到的是 {value}。请从用户列表中选择。",
                             "\"{name}\" of the hand-over request must be a user id, got {value}. Choose one from the user list."),
    "handover_unknown_user": ("找不到用户 {username}。请从用户列表中选择。",
                              "No user {username}. Choose one from the user list."),
    "handover_same_user": ("交出和接手的是同一个人。请选择另一位接手的业务员。",
                           "The departing and receiving user are the same. Choose another rep to take over."),
    "handover_disabled_user": ("{username} 已停用，不能接手客户。请选择在职的业务员。",
                               "{username} is disabled and cannot take over customers. Choose an active rep."),
    "handover_disable_not_bool": ("交接请求的 disable_from 应为 true 或 false，收到的是 {value}。",
                                  "disable_from of the hand-over request must be true or false, got {value}."),
    "handover_disable_forbidden": ("不能在交接时停用 {username}：经理只能停用业务员，也不能停用自己。请让管理员在 设置 → 成员管理 中停用。",
                                   "Cannot disable {username} with the hand-over: a manager may disable sales reps "
                                   "only, and nobody themselves. Ask an admin to disable them under Settings → Team members."),
    "last_admin": ("不能停用 {username}：这是最后一位在职的管理员，停用后没有人能修改组织设置。请先启用或添加另一位管理员。",
                   "Cannot disable {username}: they are the last enabled admin, and without one nobody can change "
                   "the organisation settings. Enable or add another admin first."),
    "manager_has_reps": ("不能停用 {username}：{reps} 的上级经理仍是 {username}，停用后他们的逾期上报将无人接收。"
                         "请先让管理员在 设置 → 成员管理 中为他们指定新的上级经理。",
                         "Cannot disable {username}: {reps} still have {username} as their manager and would get "
                         "no escalations. Ask an admin to give them another manager first under "
                         "Settings → Team members."),
    "not_found": ("找不到该页面或记录。", "Page or record not found."),
    "storage_failed": ("服务器保存数据失败（{detail}），本次同步未做任何修改。请稍后重试，或联系管理员。",
                       "The server failed to store the data ({detail}); nothing was changed. Retry later or contact the administrator."),

    # Change errors: one change is rejected, the others of the request apply.
    "invalid_change": ("修改记录格式不正确：{detail}。",
                       "The change is malformed: {detail}."),
    "unknown_table": ("未知的数据表“{value}”。请更新应用。",
                      "Unknown table \"{value}\". Update the app."),
    "read_only_table": ("“{value}”由服务器维护，设备不能修改。",
                        "\"{value}\" is maintained by the server; devices cannot change it."),
    "invalid_id": ("记录编号“{value}”不是小写的标准 UUID。",
                   "Record id \"{value}\" is not a lowercase canonical UUID."),
    "unknown_field": ("数据表 {table} 没有字段“{field}”。请更新应用，以免数据丢失。",
                      "Table {table} has no field \"{field}\". Update the app so no data is lost."),
    "invalid_value": ("“{title}”的值 {value} 无效：{detail}。请改正后再保存。",
                      "Invalid value {value} for \"{title}\": {detail}. Change it and save again."),
    "missing_field": ("缺少必填项“{title}”。请填写后再保存。",
                      "Required field \"{title}\" is missing. Fill it in and save again."),
    "invalid_clock": ("版本时钟无效：{detail}。",
                      "Invalid vector clock: {detail}."),
    "invalid_dot": ("字段“{field}”的写入标记无效：{detail}。",
                    "Invalid dot for field \"{field}\": {detail}."),
    "clock_ahead": ("设备时间比服务器快了十分钟以上（修改时间 {edited_at}）。应用会按服务器时间校正后重新提交。",
                    "The device clock is more than ten minutes ahead of the server (edited at {edited_at}). The app re-stamps and resends."),
    "forged_counter": ("修改中包含服务器没有见过的设备 {device} 的写入。请重新同步后再修改。",
                       "The change carries writes of device {device} that the server has not seen. Sync again, then edit."),
    "dot_mismatch": ("字段“{field}”的同一次写入与服务器保存的不一致，设备数据可能已损坏。请重新登录以重新下载数据。",
                     "The same write of field \"{field}\" differs from the server's copy; the device data may be corrupt. Log in again to download fresh data."),
    "dot_not_later": ("字段“{field}”的修改时间早于它所覆盖的修改。请校正设备时间后重试。",
                      "The edit of field \"{field}\" is stamped earlier than the edit it replaces. Correct the device clock and retry."),
    "server_field": ("“{title}”由服务器分配，不能在设备上修改。请更新应用。",
                     "\"{title}\" is assigned by the server and cannot be changed on a device. Update the app."),
    "permission_denied": ("无权修改该记录：{detail}。",
                          "You may not change this record: {detail}."),
    "reassigned": ("这条记录或它所属的客户已{moved}，你的修改没有保存。请把修改的内容告诉{contact}，由他们补录。",
                   "This record or its customer was {moved}, so your change was not saved. "
                   "Tell {contact} what you changed so they can enter it."),
    "parent_not_found": ("找不到关联的{title}（{value}），或你无权查看它。请先同步；仍然如此时，请放弃这条修改或联系经理。",
                         "The linked {title} ({value}) does not exist or you cannot see it. "
                         "Sync first; if it stays so, discard the change or ask a manager."),
    "already_claimed": ("该客户已被 {name} 认领。你的备注仍保留在本机。",
                        "This customer was already claimed by {name}. Your notes stay on this device."),
    "claim_limit": ("今天已认领 {limit} 个公海客户，达到每日上限。请明天再认领，或请经理分配。",
                    "You have claimed {limit} pool customers today, the daily limit. Claim more tomorrow or ask a manager."),

    # Team members (成员管理, /api/users): the request is rejected and nothing changes.
    "user_invalid": ("无法修改用户：{detail}。", "The user change failed: {detail}."),
    "user_not_user_id": ("“{name}”应为用户编号，收到的是 {value}。请从成员列表中选择。",
                         "\"{name}\" must be a user id, got {value}. Choose one from the member list."),
    "user_invalid_field": ("“{name}”应为{expected}，收到的是 {value}。请改正后重试。",
                           "\"{name}\" must be {expected}, got {value}. Correct it and retry."),
    "user_unknown_field": ("请求中不能有“{name}”这一项，可用的是 {allowed}。请更新应用后重试。",
                           "The request may not contain \"{name}\"; the allowed fields are {allowed}. "
                           "Update the app and retry."),
    "user_not_found": ("找不到用户 {username}。请刷新成员列表后重试。",
                       "No user {username}. Reload the member list and retry."),
    "user_taken": ("用户名 {username} 已被使用。请换一个用户名。",
                   "The username {username} is taken. Choose another username."),
    "user_invalid_username": ("用户名 {value} 无效：应为 1 到 64 个字符，不能含空格。请改正后再保存。",
                              "The username {value} is invalid: it must be 1 to 64 characters without spaces. "
                              "Correct it and save again."),
    "user_invalid_name": ("姓名 {value} 无效：应为 1 到 100 个字符，不能只有空格。请改正后再保存。",
                          "The name {value} is invalid: it must be 1 to 100 characters and not blank. "
                          "Correct it and save again."),
    "user_invalid_role": ("角色 {value} 无效：应为业务员（sales）、销售经理（manager）或管理员（admin）。",
                          "The role {value} is invalid: it must be sales, manager or admin."),
    "user_short_password": ("密码至少需要 {minimum} 个字符。请输入更长的密码，或留空由系统生成。",
                            "The password must be at least {minimum} characters. Type a longer one, or leave "
                            "it empty to have one generated."),
    "user_manager_not_found": ("找不到上级经理 {manager}。请从列表中选择一位经理或管理员。",
                               "No manager {manager}. Choose a manager or admin from the list."),
    "user_manager_is_sales": ("{manager} 是业务员，不能做上级经理。请选择一位经理或管理员，或先把 {manager} 的角色改为销售经理。",
                              "{manager} is a sales rep and cannot be a manager. Choose a manager or admin, or "
                              "first change the role of {manager} to manager."),
    "user_manager_disabled": ("{manager} 已停用，做上级经理时逾期上报将无人接收。请选择在职的经理，或先启用 {manager}。",
                              "{manager} is disabled, so escalations would reach nobody. Choose an enabled "
                              "manager, or enable {manager} first."),
    "user_own_manager": ("{username} 不能做自己的上级经理。请选择另一位经理或管理员。",
                         "{username} cannot be their own manager. Choose another manager or admin."),
    "user_manager_not_serving": ("不能启用 {username}：其上级经理 {manager} 已停用或是业务员，逾期上报将无人接收。"
                                 "请先编辑 {username}，选择新的上级经理。",
                                 "Cannot enable {username}: their manager {manager} is disabled or a sales rep, "
                                 "so escalations would reach nobody. Edit {username} and choose another manager first."),
    "user_last_admin": ("不能{action}：{username} 是最后一位在职的管理员，没有管理员就无人能管理成员和组织设置。"
                        "请先添加或启用另一位管理员。",
                        "Cannot {action}: {username} is the last enabled admin, and without one nobody can "
                        "manage members or the organisation settings. Add or enable another admin first."),
    "user_manager_has_reps": ("不能{action}：{reps} 的上级经理仍是 {username}，他们的逾期上报将无人接收。"
                              "请先编辑这些成员，为他们选择新的上级经理。",
                              "Cannot {action}: {reps} still have {username} as their manager and would get no "
                              "escalations. Edit them and choose another manager first."),
    "user_owns_work": ("不能直接停用 {username}：名下还有 {customers} 位客户、{tickets} 个未结工单、{projects} 个进行中的项目、"
                       "{risks} 个未关闭的风险。请在 设置 → 工作交接 中把它们交给其他人，并勾选同时停用账号。",
                       "Cannot just disable {username}: they still own {customers} customers, {tickets} open "
                       "tickets, {projects} open projects and {risks} open risks. Hand them over in Settings → "
                       "Handover and tick the box that disables the account there."),
    "user_self_disable": ("不能停用你自己的账号 {username}。请让另一位管理员操作。",
                          "You cannot disable your own account {username}. Ask another admin."),
    "user_self_role": ("不能修改你自己的角色。请让另一位管理员操作，以免你失去管理员权限。",
                       "You cannot change your own role. Ask another admin, so you do not lose admin access."),

    # Push subscriptions and settings.
    "invalid_subscription": ("推送订阅无效：{detail}。请在设置中关闭提醒后重新开启。",
                             "The push subscription is invalid: {detail_en}. Turn reminders off and on again in settings."),
    "unknown_setting": ("没有名为“{key}”的设置。可用的设置：{keys}。",
                        "There is no setting called \"{key}\". Known settings: {keys}."),
    "invalid_setting": ("设置“{title}”的值 {value} 无效：{detail}。",
                        "Invalid value {value} for the setting \"{title_en}\": {detail_en}."),
}


def message(code: str, lang: str = "zh", **values) -> str:
    """Return the message for ``code`` in ``lang`` ("zh" or "en") with ``values`` filled in.

    A value that is a ``Detail`` fills in its text in ``lang``.
    """
    zh, en = MESSAGES[code]
    template = en if lang == "en" else zh
    values = _Values({name: _in_language(value, lang) for name, value in values.items()}, code)
    return template.format_map(values)


class _Values(dict):
    """The values of one message. A missing one is logged and shown as —, never as its {placeholder}."""

    def __init__(self, values: dict, code: str):
        super().__init__(values)
        self.code = code

    def __missing__(self, name: str) -> str:
        log.error("message %s has no value for {%s}", self.code, name)
        return "—"


def _in_language(value, lang: str):
    if not isinstance(value, Detail):
        return value
    return value.en if lang == "en" else value.zh


def error_body(code: str, **values) -> dict:
    """Return the JSON body of an API error: code, Chinese and English message."""
    return {"error": code, "message": message(code, "zh", **values),
            "message_en": message(code, "en", **values)}
