"""WebSocket consumers: thin, every write goes through a service; messages are acked only after commit."""

import json
import re

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer, WebsocketConsumer

from kefu import cleantext
from kefu.accounts import access
from kefu.chat import limits, services
from kefu.chat.models import ChatMessage
from kefu.chat.push import agent_group, board_group, brand_group, chat_group
from kefu.chat.selectors import chat_messages, message_payload, session_for_token, session_for_user
from kefu.customers.models import Customer
from kefu.customers.services import customer_open
from kefu.errors import ServiceError

# A frame longer than this is not read: a message of services.MAX_BODY characters with its envelope fits in it.
MAX_FRAME = 6 * services.MAX_BODY + 1000  # room for every character escaped as a six-character JSON \u escape
_CLIENT_ID = re.compile(r'"client_id"\s*:\s*"([^"\\]{1,64})"')


class Frames(JsonWebsocketConsumer):
    """What arrives on a socket is anyone's bytes: a frame that is not a JSON object, is too long or does not
    say what kefu expects is answered with an error frame (a Chinese message), the socket stays open, and
    nothing reaches the logs as a traceback."""

    def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            self.refuse("只接受文本格式的 JSON 消息")
            return
        if len(text_data) > MAX_FRAME:
            # the widget puts the client id first: the customer sees the error beside that message
            found = _CLIENT_ID.search(text_data[:300])
            self.refuse(
                f"消息过长，最长 {services.MAX_BODY} 字，未发送",
                code="too_large",
                client_id=found.group(1) if found else None,
            )
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            self.refuse("消息格式无效：应为 JSON")
            return
        if not isinstance(content, dict):
            self.refuse("消息格式无效：应为 JSON 对象")
            return
        try:
            cleantext.check(content)  # a NUL would be a server error on PostgreSQL
        except cleantext.ControlCharacters as exc:
            client_id = content.get("client_id")
            self.refuse(
                exc.message, code=exc.code, client_id=client_id if isinstance(client_id, str) else None
            )
            return
        try:
            self.receive_json(content, **kwargs)
        except (KeyError, ValueError, TypeError, AttributeError):
            client_id = content.get("client_id")
            self.refuse("消息格式无效", client_id=client_id if isinstance(client_id, str) else None)

    def refuse(self, message: str, *, code: str = "invalid", client_id: str | None = None) -> None:
        self.send_json({"type": "error", "code": code, "message": message, "client_id": client_id})


class CatchUp:
    """Every message reaches the screen once and in order, pushed or not.

    A push can be lost on its way (a socket's queue full in the channel layer, Redis restarting, a server
    process killed between its commit and its push); the message itself is stored with its number (seq, 1, 2,
    3 … per session, no holes). The consumer remembers the last number it sent for each session: a push that
    arrives after a hole first sends the stored messages of the hole, a push already sent is not sent again, and
    a screen that finds a hole itself (or reconnects) asks for what was stored after the last number it has.
    """

    def remember(self, session_id: int, seq: int) -> None:
        if not hasattr(self, "sent"):
            self.sent: dict[int, int] = {}
        self.sent[session_id] = max(self.sent.get(session_id, 0), seq)

    def send_stored(self, session_id: int, *, after: int, before: int | None = None) -> None:
        """The stored messages numbered after ``after`` (and before ``before``), in order."""
        messages = ChatMessage.objects.filter(session_id=session_id, seq__gt=after)
        if before is not None:
            messages = messages.filter(seq__lt=before)
        for message in messages.select_related("author").order_by("seq"):
            self.send_json({"session": session_id, "type": "message", "message": message_payload(message)})
            self.remember(session_id, message.seq)

    def deliver_message(self, payload: dict) -> None:
        session_id, seq = payload["session"], payload["message"]["seq"]
        last = getattr(self, "sent", {}).get(session_id)
        if last is not None:
            if seq <= last:
                return  # sent already (from the store, or twice through the layer)
            if seq > last + 1:
                self.send_stored(session_id, after=last, before=seq)
        self.send_json(payload)
        self.remember(session_id, seq)


class RefusedConsumer(WebsocketConsumer):
    """A socket opened on a path kefu has no socket for: closed before it is accepted (not a server error)."""

    def connect(self):
        self.close(code=4404)


class CustomerChatConsumer(CatchUp, Frames):
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
        messages = chat_messages(self.session)
        self.send_json(
            {
                "type": "history",
                "state": self.session.state,
                "rating": self.session.rating,
                "agent_read_seq": self.session.agent_read_seq,
                "messages": [message_payload(m) for m in messages],
            }
        )
        self.remember(self.session.pk, messages[-1].seq if messages else 0)

    def disconnect(self, code):
        if hasattr(self, "session"):
            async_to_sync(self.channel_layer.group_discard)(chat_group(self.session.pk), self.channel_name)

    def receive_json(self, content, **kwargs):
        kind = content.get("type")
        try:
            if kind == "message":
                limits.hit("message", str(self.session.pk))
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
            elif kind == "sync":
                # the page found a hole in the numbers (or checks now and then): what was stored after it
                self.send_stored(self.session.pk, after=int(content.get("after", 0)))
            else:
                self.refuse("不支持的消息类型")
        except ServiceError as exc:
            client_id = content.get("client_id")
            self.send_json(
                {
                    "type": "error",
                    "client_id": client_id if isinstance(client_id, str) else None,
                    **exc.to_dict(),
                }
            )

    def chat_event(self, event):
        payload = event["payload"]
        if payload.get("type") == "typing" and payload.get("who") == ChatMessage.Sender.CUSTOMER:
            return
        if payload.get("type") == "message":
            self.deliver_message(payload)
            return
        self.send_json(payload)


class DeskConsumer(CatchUp, Frames):
    """ws/desk/: an agent's or supervisor's screen — screen pops, offers taken by others, watched chats."""

    def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            self.close(code=4401)
            return
        self.user = user
        # What this screen may be shown, decided once here: no query per push.
        self.brand_ids = set(access.brands_for(user).values_list("pk", flat=True))
        self.full_phone = access.can(user, "customer.full_phone")
        self.monitors = access.can(user, "chat.monitor")
        self.groups_joined = [agent_group(user.pk)] + [brand_group(pk) for pk in sorted(self.brand_ids)]
        if self.monitors:
            self.groups_joined += [board_group(pk) for pk in sorted(self.brand_ids)]
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
                # Sent on opening the socket and again whenever the page finds a hole in the numbers (and now
                # and then): whatever was stored after the last number the page has.
                session_id, after = int(content["session"]), int(content.get("after", 0))
                group = chat_group(session_id)
                if group not in self.groups_joined:
                    session_id = session_for_user(session_id, self.user).pk  # asked once per socket
                    async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
                    self.groups_joined.append(group)
                self.send_stored(session_id, after=after)
                self.remember(session_id, after)
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
            else:
                self.refuse("不支持的消息类型")
        except ServiceError as exc:
            self.refuse(exc.message, code=exc.code)

    def offer_new(self, event):
        """Screen pop: only a 就绪 agent is offered new work. The card was made once for every desk
        (selectors.pop_payload); this desk writes the access log for its agent and shows it."""
        payload = event["payload"]
        if self.user.pk not in payload["ready"] or payload["brand"] not in self.brand_ids:
            return
        if payload["customer"]:
            customer = Customer.objects.filter(pk=payload["customer"]).first()
            if customer is None:
                return
            try:
                customer_open(customer=customer, user=self.user, via=f"来电弹屏 {payload['ticket']}")
            except ServiceError:
                return
        html = payload["html"]["full" if self.full_phone else "masked"]
        self.send_json({"type": "pop", "offer": payload["offer"], "html": html})

    def offer_gone(self, event):
        self.send_json(event["payload"])

    def chat_event(self, event):
        payload = event["payload"]
        if payload.get("type") == "typing" and payload.get("who") == ChatMessage.Sender.AGENT:
            return
        if payload.get("type") == "message":
            self.deliver_message(payload)
            return
        self.send_json(payload)

    def board_update(self, event):
        """A brand's part of the supervisor board, computed once for every board (selectors.board_parts)."""
        part = event["payload"]
        if self.monitors and part["brand"]["id"] in self.brand_ids:
            self.send_json({"type": "board", **part})

    def board_wait(self, event):
        """A live chat's customer started waiting, or was answered."""
        payload = event["payload"]
        if self.monitors and payload["brand"] in self.brand_ids:
            self.send_json({"type": "board_wait", **payload})
