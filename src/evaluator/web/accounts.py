"""The admin's hold on accounts: disable one (its sessions end at its next request, and it can no
longer sign in), enable it again, or set a new password (which signs out its sessions too).

The same changes are `evaluator user disable|enable|passwd` (commands.py); both go through
`change`, so the rules — no admin can lock themselves out, the last enabled admin stays — hold
wherever the change comes from, and every change is in the audit log (Store)."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from evaluator.errors import EvaluatorError, UsageError
from evaluator.i18n import say
from evaluator.web.store import Store

ACTIONS = ("disable", "enable", "password")


def _enabled_admins(store: Store) -> list[str]:
    return [u["name"] for u in store.users() if u["role"] == "admin" and not u["disabled"]]


def change(store: Store, name: str, action: str, by: str, password: str | None = None) -> str:
    """Do `action` to the account `name`; what was done, as a sentence (UsageError when it may not be)."""
    user = store.user(name)
    if user is None:
        raise UsageError(say("没有用户“{n}”", "there is no user '{n}'", n=name))
    if action == "disable":
        if name == by:
            raise UsageError(say("不能停用自己的账号", "you cannot disable your own account"))
        if user["disabled"]:
            return say("用户 {n} 的账号已是停用状态", "user {n} is disabled already", n=name)
        if user["role"] == "admin" and _enabled_admins(store) == [name]:
            raise UsageError(say("{n} 是唯一一个在用的管理员,不能停用", "{n} is the only enabled admin and cannot be disabled", n=name))
        store.set_disabled(name, True, by)
        return say("已停用用户 {n} 的账号,其已登录的会话已退出", "disabled user {n}; their sessions are signed out", n=name)
    if action == "enable":
        if not user["disabled"]:
            return say("用户 {n} 的账号已是启用状态", "user {n} is enabled already", n=name)
        store.set_disabled(name, False, by)
        return say("已启用用户 {n} 的账号", "enabled user {n}", n=name)
    if action == "password":
        store.set_password(name, password or "", by, "重置密码")
        return say("已重置用户 {n} 的密码,其已登录的会话已退出", "reset the password of user {n}; their sessions are signed out", n=name)
    raise UsageError(say("不认识的操作“{a}”", "unknown action '{a}'", a=action))


async def change_account(request: Request):
    from evaluator.web import app as web                           # imported late: app.py imports this module
    admin = web.current_user(request, "admin")
    store = web.store_of(request)
    form = await web.checked_form(request)
    name, action = str(form.get("name", "")), request.path_params["action"]
    if action not in ACTIONS:
        return web.page(request, "error.html", 404, message=web.MESSAGES[404])
    password = str(form.get("password", ""))
    if action == "password" and password != form.get("again"):
        return web.page(request, "users.html", 400, users=store.users(), error="两次输入的新密码不一致")
    try:
        said = await run_in_threadpool(change, store, name, action, admin["name"], password)
    except EvaluatorError as exc:
        return web.page(request, "users.html", 400, users=store.users(), error=str(exc))
    request.session["flash"] = said
    return RedirectResponse("/users", 303)


routes = [Route("/users/{action}", change_account, methods=["POST"], name="account_change")]
