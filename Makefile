# Entry points for a fresh machine (see README.md):
#   make demo        install, build the offline dataset, dump sample photos, train a short run, predict the samples,
#                    export the model for the page (web/model)
#   make test        install, run every test, as CI does, in TEST_WORKERS pytest workers (about 20 minutes on 2
#                    cores of an AVX2 machine, 2026-12-07)
#   make test-fast   install, run the tests not marked slow (no training, command lines, Node or Chromium): the
#                    loop to run while editing, about a minute on 2 cores
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
SAMPLES ?= samples
RUN ?= runs/demo

.PHONY: demo test test-fast install chromium

install: $(VENV)/.installed web/node_modules/.installed chromium

$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt -e ".[test,export]"
	touch $@

# TF.js, its WASM backend, playwright-core and typescript at the exact versions of web/package-lock.json, and the
# TF.js files the page serves copied into web/vendor/ (tests/test_export.py, tests/test_web_*.py).
web/node_modules/.installed: web/package.json web/package-lock.json web/tools/vendor.mjs
	npm ci --prefix web --no-audit --no-fund
	npm run vendor --prefix web
	touch $@

# Headless Chromium for the page's browser test, from Debian (apt-get needs root, as on CI).
chromium:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

demo: install
	$(BIN)/tfds build mtg_tfds --data_dir $(DATA_DIR)
	$(BIN)/python -m augment_tf.dump --data_dir $(DATA_DIR) --out $(SAMPLES) --num 16 --size 512 --overwrite
	$(BIN)/python train.py --data_dir $(DATA_DIR) --model_dir $(RUN) --preset cpu --epochs 3 --steps_per_epoch 100 \
		--curriculum_epochs 2 --val_samples 64 --weights none --overwrite
	$(BIN)/python -m model.predict --model $(RUN)/best.keras --images $(SAMPLES)/*.jpg --out $(RUN)/predictions.json \
		--rectify $(RUN)/cards
	$(BIN)/python export.py --model $(RUN)/best.keras --out web/model --quantize float16 --overwrite
	@echo "The page: python3 -m http.server 8000 --directory web, then open http://localhost:8000/"

# Two pytest workers (pytest-xdist), each test file wholly on one so that its module fixtures are built once: a
# slow test spends most of its time on one core (tracing graphs, XLA compiling, waiting on Node or Chromium), so two
# share 2 cores well (AVX2, 2026-12-07: 18-20 minutes; one process took 36 before tracing went without AutoGraph).
# TEST_WORKERS=0 runs the tests in this process, where the figures they print reach the terminal. The 15 slowest
# tests are listed at the end, so a log shows where CI's 30 minutes go.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations 15

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"
