from django.contrib import admin

from kefu.chat.models import AgentStatus, ChatMessage, ChatSession, Offer, OfferAssignment


@admin.register(AgentStatus)
class AgentStatusAdmin(admin.ModelAdmin):
    list_display = ("agent", "status", "started_at", "ended_at", "reason")
    list_filter = ("status", "agent__team")
    date_hierarchy = "started_at"


class ChatMessageInline(admin.TabularInline):
    model = ChatMessage
    extra = 0
    fields = ("seq", "sender", "author", "body", "override_reason", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "brand", "visitor_name", "agent", "state", "started_at", "rating")
    list_filter = ("state", "brand", "rating")
    inlines = [ChatMessageInline]
    readonly_fields = ("token",)


class OfferAssignmentInline(admin.TabularInline):
    model = OfferAssignment
    extra = 0
    fields = ("agent", "assigned_at", "outcome", "ended_at", "assigned_by")
    readonly_fields = fields
    can_delete = False


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = (
        "ticket",
        "brand",
        "priority",
        "created_at",
        "assigned_to",
        "accept_by",
        "claimed_by",
        "claimed_at",
        "withdrawn_at",
    )
    list_filter = ("brand",)
    inlines = [OfferAssignmentInline]
