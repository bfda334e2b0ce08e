# One image for both entry points: the dashboard (the default command) and the watcher (`mesdoctor watch`).
#   docker build -t registry.example.com/platform/mes-doctor:0.1.0 .
#   docker run --rm -p 127.0.0.1:8501:8501 -e MESDOCTOR_EXPOSE_LOCAL_MODE=yes IMAGE   # the dashboard, local mode
#   docker run --rm IMAGE mesdoctor watch --sample --listen :9469                      # a demo watcher
# deploy/ runs it in a cluster (non-root, read-only root filesystem). tests/deploy/test_dockerfile.py runs the
# install steps below in a fresh virtual environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp

WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY ui ./ui
COPY pages ./pages
COPY app.py ./
COPY .streamlit ./.streamlit
COPY sample_data ./sample_data
COPY docs/rbac ./docs/rbac

RUN pip install --no-cache-dir '.[kubernetes,auth]'
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /tmp --shell /usr/sbin/nologin mesdoctor

USER 10001
EXPOSE 8501 9469
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
