# Two entry points for a fresh machine (see README.md):
#   make demo   install, build the offline dataset, dump sample photos
#   make test   install, run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
SAMPLES ?= samples

.PHONY: demo test install

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $@

demo: install
	$(BIN)/tfds build mtg_tfds --data_dir $(DATA_DIR)
	$(BIN)/python -m augment_tf.dump --data_dir $(DATA_DIR) --out $(SAMPLES) --num 16 --size 512 --overwrite

test: install
	$(BIN)/python -m pytest -q
