"""Reads for people and departments."""

from django.db.models import Q

from kefu.accounts import access
from kefu.accounts.models import Department, User
from kefu.errors import NotFound, ServiceError


def user_by_agent_no(agent_no: str) -> User:
    user = User.objects.filter(agent_no=agent_no, is_active=True).first()
    if user is None:
        raise NotFound(f"没有找到工号 {agent_no}", field="agent_no")
    return user


def department_get(code_or_name: str) -> Department:
    found = Department.objects.filter(Q(code=code_or_name) | Q(name=code_or_name)).first()
    if found is None:
        raise NotFound(f"没有找到部门“{code_or_name}”", field="department")
    return found


def supervisor_for(user: User, agent_no: str | None = None, *, brand=None) -> User:
    """The named supervisor, or a supervisor of the user's team, or another supervisor who serves ``brand``."""
    if agent_no:
        return user_by_agent_no(agent_no)
    supervisors = User.objects.filter(role__in=[User.Role.SUPERVISOR, User.Role.ADMIN], is_active=True)
    found = supervisors.filter(team=user.team).first() if user.team_id else None
    if found is None:
        found = next(
            (s for s in supervisors.order_by("id") if brand is None or access.serves(s, brand)), None
        )
    if found is None:
        raise ServiceError("当前没有可升级的主管", field="supervisor_agent_no")
    return found
