import pytest


@pytest.fixture
def chat_start(cast, ticket_types):
    from kefu.chat.services import chat_customer_message, chat_start

    def start(first="您好，我想咨询一下", **kwargs):
        """A chat whose customer has said ``first`` (which opens its ticket and queues it); None: silent."""
        kwargs.setdefault("brand", cast.brand_a)
        session = chat_start(**kwargs)
        if first is not None:
            chat_customer_message(session=session, client_id="first", body=first, at=kwargs.get("at"))
            session.refresh_from_db()
        return session

    return start


@pytest.fixture
def ready(cast):
    from kefu.chat.presence import agent_set_status, agent_sign_in

    def make(agent):
        agent_sign_in(agent=agent)
        agent_set_status(agent=agent, status="ready")
        return agent

    return make


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public chat's rate limits count in Django's cache: every test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed():
    """A customer's identity as the brand's website signs it (kefu.brands.rules), for chat_start or the page."""
    from kefu.brands.rules import identity_hash

    def sign(customer, identifier=None):
        identifier = customer.phone if identifier is None else identifier
        return {
            "identifier": identifier,
            "identity_hash": identity_hash(customer.brand.identity_secret, identifier),
        }

    return sign
