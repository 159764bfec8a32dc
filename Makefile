# kefu: two commands on a fresh machine with only python3 and make.
#   make demo   install, migrate, load demo data and serve on http://127.0.0.1:8000
#   make test   install what tests need and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install demo serve test test-sqlite test-postgres browser-deps bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/kefu migrate --noinput
	$(BIN)/kefu demo-data
	$(BIN)/kefu serve

serve: install
	$(BIN)/kefu serve

# Browser tests drive Debian's Chromium; install it from Debian's packages when missing (never a downloaded build).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "安装 Debian 的 chromium (浏览器测试需要)…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: install browser-deps test-sqlite test-postgres

test-sqlite:
	env -u KEFU_DATABASE_URL $(BIN)/python -m pytest -n 2

# The same suite on PostgreSQL when KEFU_TEST_DATABASE_URL is set (.ci/run sets it when a server answers).
test-postgres:
	@if [ -n "$$KEFU_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$KEFU_TEST_DATABASE_URL"; \
	  KEFU_DATABASE_URL="$$KEFU_TEST_DATABASE_URL" $(BIN)/python -m pytest -n 2 -m "not browser" tests; \
	else echo "KEFU_TEST_DATABASE_URL 未设置: 跳过 PostgreSQL 测试"; fi

bench: install
	$(BIN)/python bench/standards.py
	$(BIN)/python bench/express.py

lint: install
	$(BIN)/ruff check kefu tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
