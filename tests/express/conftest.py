import pytest

from kefu.express.rules import default_rulebook


@pytest.fixture
def rulebook():
    return default_rulebook()
