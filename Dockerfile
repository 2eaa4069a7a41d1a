# syntax=docker/dockerfile:1
# The bot and its engine in one image. CPU by default; a CUDA build with --build-arg VARIANT=cuda:
#   docker build -t paintbot .                          # CPU, slim (torch CPU wheels)
#   docker build -t paintbot:cuda --build-arg VARIANT=cuda .
#   docker run -e TELEGRAM_BOT_TOKEN=… -v paintbot-data:/data [--gpus all] paintbot
# The database is migrated at start; everything the bot keeps lives in the /data volume.
ARG VARIANT=cpu

FROM python:3.11-slim AS base-cpu
# torch/torchvision from PyTorch's CPU index: a few hundred MB instead of the CUDA build's GBs.
RUN pip install --no-cache-dir torch==2.9.1 torchvision==0.24.1 --index-url https://download.pytorch.org/whl/cpu

FROM pytorch/pytorch:2.9.1-cuda12.8-cudnn9-runtime AS base-cuda

FROM base-${VARIANT} AS app
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data \
    HEALTH_PORT=8080
RUN useradd --create-home --uid 10001 paintbot && mkdir -p /data && chown paintbot:paintbot /data
WORKDIR /app
# Dependencies first (torch is already there and satisfies the range), so code edits rebuild fast.
COPY pyproject.toml README.md ./
COPY engine/__init__.py engine/__init__.py
COPY bot/__init__.py bot/__init__.py
RUN pip install --no-cache-dir . && pip uninstall -y paintbot
COPY engine engine
COPY bot bot
COPY migrations migrations
USER paintbot
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
# Run from /app so the bot finds migrations/ beside its package.
CMD ["python", "-m", "bot"]
