# syntax=docker/dockerfile:1
# The bot and its engine in one image. CPU by default; a CUDA build with --build-arg VARIANT=cuda:
#   docker build -t paintbot .                          # CPU, slim (torch CPU wheels)
#   docker build -t paintbot:cuda --build-arg VARIANT=cuda .
#   docker run -e TELEGRAM_BOT_TOKEN=… -v paintbot-data:/data [--gpus all] paintbot
# The database is migrated at start (the migrations ship inside the package); everything the bot
# keeps lives in the /data volume. The torch pin is the Makefile's (make docker-build passes it).
ARG VARIANT=cpu
ARG TORCH=torch==2.14.1
ARG TORCHVISION=torchvision==0.29.1

FROM python:3.11-slim AS base-cpu
ARG TORCH
ARG TORCHVISION
# torch/torchvision from PyTorch's CPU index: a few hundred MB instead of the CUDA build's GBs.
RUN pip install --no-cache-dir "$TORCH" "$TORCHVISION" --index-url https://download.pytorch.org/whl/cpu

FROM python:3.11-slim AS base-cuda
ARG TORCH
ARG TORCHVISION
# PyPI's Linux wheels are the CUDA build (CUDA libraries as pip packages); the host needs the
# NVIDIA driver and nvidia-container-toolkit.
RUN pip install --no-cache-dir "$TORCH" "$TORCHVISION"

FROM base-${VARIANT} AS app
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data \
    HEALTH_PORT=8080
RUN useradd --create-home --uid 10001 paintbot && mkdir -p /data && chown paintbot:paintbot /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine engine
COPY worker worker
COPY bot bot
COPY devtools devtools
# torch is already there and satisfies the range in pyproject.toml
RUN pip install --no-cache-dir .
USER paintbot
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
CMD ["python", "-m", "bot"]
