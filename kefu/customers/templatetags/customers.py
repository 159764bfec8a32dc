"""``{{ phone|phone_for:user }}``: a customer's number as this person may see it (masked for agents)."""

from django import template

from kefu.accounts import access
from kefu.customers.rules import mask_phone

register = template.Library()


@register.filter
def phone_for(phone: str, user) -> str:
    return phone if access.can(user, "customer.full_phone") else mask_phone(phone or "")
