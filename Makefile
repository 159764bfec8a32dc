# kefu: two commands on a fresh machine with only python3 and make.
#   make demo   install, migrate, load demo data and serve on http://127.0.0.1:8000
#   make test   install what tests need and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install demo serve test test-sqlite test-clocks test-dates test-postgres browser-deps bench lint clean

# Moments the suite must pass at (README, "Testing at a chosen time"): a month's first morning, a year's last
# half hour, New Year's Day, a month end in a year chinese-calendar may not cover, a make-up working Saturday,
# and, last, the suite's own clock (SUITE_CLOCK in tests/conftest.py). KEFU_NOW sets kefu's clock (kefu/timeutil.py).
CLOCKS := 2026-12-01T09:00 2026-12-31T23:30 2027-01-01T10:00 2027-02-28T18:00 2026-10-10T10:00 2026-11-24T10:00
CLOCK_TESTS := var/clock-tests.txt

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# With KEFU_NOW set, the demo data and the server share one clock that starts there.
demo: install
	$(BIN)/kefu migrate --noinput
	export KEFU_NOW_SINCE=$${KEFU_NOW:+$$(date +%s)}; $(BIN)/kefu demo-data && $(BIN)/kefu serve

serve: install
	$(BIN)/kefu serve

# Browser tests drive Debian's Chromium; install it from Debian's packages when missing (never a downloaded build).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "安装 Debian 的 chromium (浏览器测试需要)…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: install browser-deps test-sqlite test-clocks test-postgres

test-sqlite:
	env -u KEFU_DATABASE_URL $(BIN)/python -m pytest -n 2 --clock-report=$(CLOCK_TESTS)

# The tests that read the clock in the run above (at the suite's own clock), again at the other moments of
# CLOCKS and at today's time.
test-clocks:
	@test -s $(CLOCK_TESTS) || { echo "没有 $(CLOCK_TESTS)：先运行 make test-sqlite"; exit 2; }
	@fail=0; for at in $(filter-out $(lastword $(CLOCKS)),$(CLOCKS)) "$$(date +%Y-%m-%dT%H:%M)"; do \
	  echo "== KEFU_NOW=$$at: $$(wc -l < $(CLOCK_TESTS)) 个读取时钟的测试"; \
	  KEFU_NOW=$$at env -u KEFU_DATABASE_URL $(BIN)/python -m pytest -n 2 -q --clock-tests=$(CLOCK_TESTS) || fail=1; \
	done; exit $$fail

# The whole suite (browser tests included) at every moment of CLOCKS: slower than test-clocks, same dates.
test-dates: install browser-deps
	@fail=0; for at in $(CLOCKS); do \
	  echo "== KEFU_NOW=$$at"; \
	  KEFU_NOW=$$at env -u KEFU_DATABASE_URL $(BIN)/python -m pytest -n 2 -q || fail=1; \
	done; exit $$fail

# The same suite on PostgreSQL when KEFU_TEST_DATABASE_URL is set (.ci/run sets it when a server answers).
test-postgres:
	@if [ -n "$$KEFU_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$KEFU_TEST_DATABASE_URL"; \
	  KEFU_DATABASE_URL="$$KEFU_TEST_DATABASE_URL" $(BIN)/python -m pytest -n 2 -m "not browser" tests; \
	else echo "KEFU_TEST_DATABASE_URL 未设置: 跳过 PostgreSQL 测试"; fi

bench: install
	$(BIN)/python bench/standards.py
	$(BIN)/python bench/express.py
	$(BIN)/python bench/load.py

lint: install
	$(BIN)/ruff check kefu tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
