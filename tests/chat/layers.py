"""A channel layer that loses chosen pushes on purpose, as a full queue or a restarting Redis would."""

from channels.layers import InMemoryChannelLayer


class DroppingLayer(InMemoryChannelLayer):
    """The in-memory layer, except that the pushes of the message numbers listed in ``drop`` never reach the
    agents' desks (``drop["desk"]``) or the customers' pages (``drop["customer"]``). What it dropped is kept in
    ``dropped`` as (side, seq), so a test can tell that it did drop them."""

    def __init__(self, drop: dict[str, list[int]] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.drop = {side: set(seqs) for side, seqs in (drop or {}).items()}
        self.desks: set[str] = set()
        self.dropped: list[tuple[str, int]] = []

    async def group_add(self, group, channel):
        if group.startswith("agent."):  # only a desk's socket joins its agent's group
            self.desks.add(channel)
        await super().group_add(group, channel)

    async def send(self, channel, message):
        payload = message.get("payload") or {}
        if message.get("type") == "chat.event" and payload.get("type") == "message":
            side = "desk" if channel in self.desks else "customer"
            seq = payload["message"]["seq"]
            if seq in self.drop.get(side, ()):
                self.dropped.append((side, seq))
                return
        await super().send(channel, message)
