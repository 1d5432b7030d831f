# Timestep Lab as one container: Streamlit on port 8501, CPU-only torch, a non-root user.
#   docker build -t timestep-lab .
#   docker run --rm -p 8501:8501 timestep-lab      # then open http://localhost:8501
# Scaling past one container, Hugging Face Spaces and Kubernetes: docs/deploy.md.
# tests/deploy/ replays the pip install steps below in a fresh virtual environment and
# hadolint checks this file; keep every install step a `pip install` in the RUN below.
FROM python:3.11-slim

# Streamlit's settings, the file watcher off included, come from .streamlit/config.toml.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Fixed uid/gid so a Kubernetes securityContext (runAsUser: 1000) matches the image.
RUN groupadd --gid 1000 app \
    && useradd --uid 1000 --gid app --create-home --shell /usr/sbin/nologin app

WORKDIR /app

# CPU-only torch first, from PyTorch's CPU index: PyPI's Linux x86_64 torch is a CUDA build
# of several GB. `==2.13.0` matches the index's `2.13.0+cpu` (a local version label is
# ignored when the pin has none), and requirements.txt's own `torch==2.13.0` is then
# already satisfied, so the second step installs no other torch.
COPY requirements.txt ./
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
    && pip install --no-cache-dir -r requirements.txt

# Only what the app needs at run time (see .dockerignore): the router, the pages, the
# library with its shipped weights (timestep_lab/models/weights/), the Streamlit
# configuration and the assets. Files stay owned by root: the app user can read, not alter.
COPY app.py ./
COPY .streamlit/ ./.streamlit/
COPY assets/ ./assets/
COPY app_pages/ ./app_pages/
COPY timestep_lab/ ./timestep_lab/

# Numeric, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 1000:1000

EXPOSE 8501

# slim has no curl; the interpreter is already there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4)"]

CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
