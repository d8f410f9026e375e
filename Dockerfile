# syntax=docker/dockerfile:1
# The one image of the product: web (gunicorn), worker (db_worker) and scheduler differ only by command.
ARG PYTHON_IMAGE=python:3.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
RUN python -m venv /venv
# Dependencies first (pinned in pyproject.toml): this layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN /venv/bin/pip install .
COPY . .
# Hashed, compressed static files for WhiteNoise; the values below exist only for this build step.
RUN DEBUG=false STATIC_MANIFEST=true SECRET_KEY=collectstatic-only JWT_SECRET=collectstatic-only \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 /venv/bin/python manage.py collectstatic --noinput -v 0 \
 && /venv/bin/python -m compileall -q apps config

FROM ${PYTHON_IMAGE} AS runtime
# HR letters' PDFs (WeasyPrint): Pango and a font family from Debian.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin app \
 && install -d -o app -g app /tmp/prometheus
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=root:root /app /app
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DEBUG=false \
    STATIC_MANIFEST=true \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    PORT=8000
USER app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"]
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
