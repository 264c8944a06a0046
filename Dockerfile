# syntax=docker/dockerfile:1
# Two images from one file:
#   docker build --target app        -t scenebooth-app .     (Remix app: admin UI, API, webhooks)
#   docker build --target worker-gpu -t scenebooth-worker .  (BullMQ worker + Python GPU tuner)
# Both install through scripts/setup.mjs, the same script the demo and CI run, and run as an
# unprivileged user. Migrations are a release step of their own, run once per deploy before the
# new replicas start (the app and the worker refuse a database that lacks one):
#   docker run --rm -e DATABASE_URL=… scenebooth-app npm run db:deploy

FROM node:22-bookworm-slim AS node

# ---------------------------------------------------------------------------------------------
FROM node AS app
WORKDIR /srv/scenebooth
RUN apt-get update && apt-get install -y --no-install-recommends openssl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY . .
RUN node scripts/setup.mjs deps build \
    && npx prisma generate \
    && npm prune --omit=dev \
    && chown -R node:node /srv/scenebooth
USER 1000:1000
ENV NODE_ENV=production PORT=3000
EXPOSE 3000
CMD ["npm", "run", "start"]

# ---------------------------------------------------------------------------------------------
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS worker-gpu
WORKDIR /srv/scenebooth
RUN apt-get update && apt-get install -y --no-install-recommends \
      python3 python3-venv python3-dev build-essential ca-certificates openssl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
# onnxruntime-node with the CUDA execution provider for scoring and upscaling.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
COPY . .
# The CUDA build of the pinned torch (and its torchvision) goes in first; the tuner's own install then
# keeps it. The `segmenter` extra is what BiRefNet's code needs for `prepare-models.mjs --export-real`.
RUN python3 -m venv .venv \
    && .venv/bin/pip install --no-cache-dir torch==2.13.0 torchvision==0.28.0 --index-url https://download.pytorch.org/whl/cu128 \
    && node scripts/setup.mjs deps python models \
    && .venv/bin/pip install --no-cache-dir -e "worker/tuner[segmenter]" \
    && npx prisma generate \
    && useradd --system --uid 10001 --home-dir /srv/scenebooth scenebooth \
    && mkdir -p /models && chown -R scenebooth /srv/scenebooth /models
USER 10001:10001
ENV NODE_ENV=production SCENEBOOTH_PROFILE=sd21-lora WORKER_QUEUES=gpu,post \
    SCENEBOOTH_EXECUTION_PROVIDER=cuda HF_HOME=/models/hf WORKER_HEALTH_HOST=0.0.0.0
# Pretrained weights (SD 2.1 + BLIP-2, ~20 GB) are not baked in: an init step fetches them, with
# checksums, into the models volume; the worker, run with the same SCENEBOOTH_MODELS_DIR, refuses to
# start while they are missing or fail their checks:
#   docker run --rm -v scenebooth-models:/models -e SCENEBOOTH_MODELS_DIR=/models scenebooth-worker npm run models:fetch
VOLUME ["/models"]
EXPOSE 8081
CMD ["npm", "run", "worker"]
