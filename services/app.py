"""Both services and the web UI in one process: the single-machine install."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.joborders.app import ROUTERS as JOBORDER_ROUTERS
from services.matching import warmup
from services.matching.app import ROUTERS as MATCHING_ROUTERS
from services.web.errors import render_html_error
from services.web.router import STATIC_DIR
from services.web.router import router as web_router
from shared import openapi
from shared.identity.router import router as identity_router
from shared.tasks import start_scheduler_if_embedded
from shared.web import create_app


def create() -> FastAPI:
    app = create_app(
        "Jobbro",
        "Job-order mediation and candidate matching for jobcentres and a-kasser.",
        [identity_router, *JOBORDER_ROUTERS, *MATCHING_ROUTERS, web_router],
        on_startup=[warmup.start_if_configured, start_scheduler_if_embedded],
    )
    openapi.install(app)
    app.state.html_error_renderer = render_html_error
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
