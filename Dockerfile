# syntax=docker/dockerfile:1
# aka in a container: `aka serve` on 0.0.0.0:8000 as a non-root user, the SQLite store
# in the /var/lib/aka volume unless AKA_DATABASE_URL names PostgreSQL (compose.yaml).
# Build: docker build -t aka .    Run: docker run -p 8000:8000 -v aka-data:/var/lib/aka aka
# README "Container"; docs/operations.md; docs/adr/0029.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with aka and what serving needs, not the dev extras --------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/aka
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/aka/bin/pip install --no-cache-dir . \
    && /opt/aka/bin/python -m compileall -q /opt/aka/lib

# --- run: the virtualenv, two small scripts, no compiler, no pip cache --------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/aka/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AKA_HOST=0.0.0.0 \
    AKA_PORT=8000 \
    AKA_DATABASE_URL=sqlite:////var/lib/aka/aka.db \
    AKA_LOG_FORMAT=json
RUN groupadd --system --gid 10001 aka \
    && useradd --system --uid 10001 --gid aka --home-dir /var/lib/aka --shell /usr/sbin/nologin aka \
    && install --directory --owner=aka --group=aka --mode=0700 /var/lib/aka
COPY --from=build /opt/aka /opt/aka
COPY deploy/entrypoint.sh deploy/healthcheck.py /usr/local/lib/aka/
# Numeric: Kubernetes' runAsNonRoot can check it without the image's /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/aka
VOLUME ["/var/lib/aka"]
EXPOSE 8000
# /readyz: the database answers and the schema is current (docs: README "Running on
# PostgreSQL and Redis"). start-period covers a first start's migration.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/usr/local/lib/aka/healthcheck.py"]
ENTRYPOINT ["/usr/local/lib/aka/entrypoint.sh"]
CMD ["serve"]
