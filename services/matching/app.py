"""The matching service as its own FastAPI application."""

from fastapi import APIRouter, FastAPI

from services.matching import warmup
from services.matching.cvbank.router import router as cvbank_router
from services.matching.index.router import router as index_router
from services.matching.occupations.router import router as occupations_router
from services.matching.search.router import router as search_router
from shared import openapi
from shared.identity.router import router as identity_router
from shared.web import create_app

ROUTERS: list[APIRouter] = [cvbank_router, search_router, index_router, occupations_router]


def create() -> FastAPI:
    app = create_app(
        "Jobbro matching",
        "CV bank and candidate ranking on skills and qualifications.",
        [identity_router, *ROUTERS],
        on_startup=[warmup.start_if_configured],
    )
    openapi.install(app)
    return app
