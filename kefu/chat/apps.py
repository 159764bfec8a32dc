from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "kefu.chat"
    verbose_name = "在线客服与坐席状态"

    def ready(self) -> None:
        # Chat sessions appear on the customer timeline next to tickets and calls.
        from kefu.chat.selectors import chat_timeline_entries
        from kefu.customers.selectors import TIMELINE_PROVIDERS

        if chat_timeline_entries not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(chat_timeline_entries)
