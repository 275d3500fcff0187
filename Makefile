# Two set-up commands (see README): `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STATE  ?= var
SAMPLE_ROWS ?= 2000

.PHONY: run test bench venv browsers clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

# Browser tests use Debian's chromium (Playwright's own download is unreachable here).
browsers:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	fi

run: venv
	$(PY) -m publish sample --out $(STATE)/raw --rows $(SAMPLE_ROWS)
	$(PY) -m publish build --input $(STATE)/raw --out $(STATE)/build
	$(PY) -m publish serve --build $(STATE)/build

test: venv browsers
	$(PY) -m pytest -q -p no:cacheprovider

bench: venv
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var
