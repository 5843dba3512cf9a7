# The two commands: `make run` starts the app, `make test` runs the whole suite.
# Both create the virtual environment in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run dev test bench isolation load faults scaleout screenshots lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: it takes the CPU build on disk, never a CUDA download.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python app.py

# the developer settings: rerun on save, full error details (the public ones are in .streamlit/config.toml)
dev: $(STAMP)
	$(BIN)/python app.py --server.runOnSave true --server.fileWatcherType auto \
		--client.showErrorDetails full --client.toolbarMode developer

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	# matplotlib only draws the lab's own notebook plot, the anchor the app is timed against
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench.py

# a student's latency beside a visitor submitting the costliest input (SECURITY.md)
isolation: $(STAMP)
	$(BIN)/python benchmarks/isolation.py

# the classroom load test, on loopback
load: $(STAMP)
	$(BIN)/python benchmarks/load.py

# the classroom while workers and their children are killed and clear_cache is sent (SECURITY.md)
faults: $(STAMP)
	$(BIN)/python benchmarks/faults.py

# two replicas behind nginx, one killed mid-session (needs nginx and chromium)
scaleout: $(STAMP)
	$(BIN)/python benchmarks/scaleout.py --load 4 8 16

screenshots: $(STAMP)
	SCREENSHOT_DIR=assets $(BIN)/python -m pytest tests/test_app_browser.py -k screenshots
	SCREENSHOT_DIR=assets $(BIN)/python -m pytest tests/test_app_program_browser.py tests/test_app_deck_browser.py
	SCREENSHOT_DIR=assets $(BIN)/python -m pytest tests/test_app_layout_browser.py -k holds

# ruff, the layers' import contracts and the types of explorer/ (pyproject.toml configures all three)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV)
