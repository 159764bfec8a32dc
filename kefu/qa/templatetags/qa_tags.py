"""The quality check's pieces on other apps' pages: the workspace's sheet panel, the ticket page's links."""

from django import template

from kefu.qa.selectors import chat_sheet_panel, sheets_for_ticket

register = template.Library()


@register.inclusion_tag("qa/_panel.html")
def qa_panel(session, user):
    """The ended chat's score sheet for the workspace, when the user may see it."""
    return chat_sheet_panel(session, user)


@register.inclusion_tag("qa/_links.html")
def qa_links(ticket, user):
    return {"sheets": sheets_for_ticket(ticket, user)}
