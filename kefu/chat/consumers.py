"""WebSocket consumers: thin, every write goes through a service; messages are acked only after commit."""

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.template.loader import render_to_string

from kefu.chat import services
from kefu.chat.models import ChatMessage, Offer
from kefu.chat.push import SUPERVISORS, agent_group, brand_group, chat_group
from kefu.chat.rules import AgentState
from kefu.chat.selectors import (
    agent_state,
    brands_served,
    chat_messages,
    customer_card,
    message_payload,
    session_for_token,
    session_for_user,
)
from kefu.errors import ServiceError


class CustomerChatConsumer(JsonWebsocketConsumer):
    """ws/chat/<token>/: the customer's side of one conversation."""

    def connect(self):
        try:
            self.session = session_for_token(self.scope["url_route"]["kwargs"]["token"])
        except ServiceError:
            self.close(code=4404)
            return
        async_to_sync(self.channel_layer.group_add)(chat_group(self.session.pk), self.channel_name)
        self.accept()
        self.session.refresh_from_db()
        self.send_json(
            {
                "type": "history",
                "state": self.session.state,
                "rating": self.session.rating,
                "agent_read_seq": self.session.agent_read_seq,
                "messages": [message_payload(m) for m in chat_messages(self.session)],
            }
        )

    def disconnect(self, code):
        if hasattr(self, "session"):
            async_to_sync(self.channel_layer.group_discard)(chat_group(self.session.pk), self.channel_name)

    def receive_json(self, content, **kwargs):
        kind = content.get("type")
        try:
            if kind == "message":
                message, _ = services.chat_customer_message(
                    session=self.session,
                    client_id=str(content.get("client_id", "")),
                    body=str(content.get("body", "")),
                )
                # The row is committed: only now is the customer told it arrived.
                self.send_json(
                    {"type": "ack", "client_id": message.client_id, "seq": message.seq, "id": message.pk}
                )
            elif kind == "typing":
                services.chat_typing(session=self.session, who=ChatMessage.Sender.CUSTOMER)
            elif kind == "read":
                services.chat_mark_read(
                    session=self.session, reader=ChatMessage.Sender.CUSTOMER, seq=int(content.get("seq", 0))
                )
        except ServiceError as exc:
            self.send_json({"type": "error", "client_id": content.get("client_id"), **exc.to_dict()})

    def chat_event(self, event):
        payload = event["payload"]
        if payload.get("type") == "typing" and payload.get("who") == ChatMessage.Sender.CUSTOMER:
            return
        self.send_json(payload)


class DeskConsumer(JsonWebsocketConsumer):
    """ws/desk/: an agent's or supervisor's screen — screen pops, offers taken by others, watched chats."""

    def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            self.close(code=4401)
            return
        self.user = user
        self.groups_joined = [agent_group(user.pk)] + [
            brand_group(pk) for pk in brands_served(user).values_list("pk", flat=True)
        ]
        if user.is_supervisor:
            self.groups_joined.append(SUPERVISORS)
        for group in self.groups_joined:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        self.accept()

    def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)

    def receive_json(self, content, **kwargs):
        kind = content.get("type")
        try:
            if kind == "watch":
                session = session_for_user(int(content["session"]), self.user)
                group = chat_group(session.pk)
                if group not in self.groups_joined:
                    async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
                    self.groups_joined.append(group)
                # Whatever arrived between rendering the page (or a dropped connection) and now.
                after = int(content.get("after", 0))
                for message in (
                    session.messages.filter(seq__gt=after).select_related("author").order_by("seq")
                ):
                    self.send_json(
                        {"session": session.pk, "type": "message", "message": message_payload(message)}
                    )
            elif kind in ("typing", "read"):
                session = session_for_user(int(content["session"]), self.user)
                if session.agent_id != self.user.pk:
                    return
                if kind == "typing":
                    services.chat_typing(session=session, who=ChatMessage.Sender.AGENT)
                else:
                    services.chat_mark_read(
                        session=session, reader=ChatMessage.Sender.AGENT, seq=int(content.get("seq", 0))
                    )
        except (ServiceError, KeyError, ValueError) as exc:
            self.send_json({"type": "error", "message": getattr(exc, "message", "请求无效")})

    def offer_new(self, event):
        """Screen pop: only a 就绪 agent is offered new work."""
        state, _ = agent_state(self.user)
        if state != AgentState.READY:
            return
        offer = (
            Offer.objects.select_related("ticket", "ticket__customer", "ticket__type", "brand", "session")
            .filter(pk=event["payload"]["offer"], claimed_by__isnull=True)
            .first()
        )
        if offer is None:
            return
        card = customer_card(
            offer.ticket.customer,
            self.user,
            before=offer.ticket.created_at,
            visitor_name=offer.session.visitor_name if offer.session_id else "",
            visitor_phone=offer.session.visitor_phone if offer.session_id else "",
        )
        html = render_to_string("chat/_pop.html", {"offer": offer, "card": card})
        self.send_json({"type": "pop", "offer": offer.pk, "html": html})

    def offer_gone(self, event):
        self.send_json(event["payload"])

    def chat_event(self, event):
        payload = event["payload"]
        if payload.get("type") == "typing" and payload.get("who") == ChatMessage.Sender.AGENT:
            return
        self.send_json(payload)

    def board_changed(self, event):
        self.send_json({"type": "board"})
