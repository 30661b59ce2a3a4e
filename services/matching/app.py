"""The matching service as its own FastAPI application."""

from fastapi import APIRouter, FastAPI

from services.matching import warmup
from services.matching.occupations.router import router as occupations_router
from services.matching.router import router as matching_router
from shared.identity.router import router as identity_router
from shared.web import create_app

ROUTERS: list[APIRouter] = [matching_router]

ROUTERS.append(occupations_router)


def create() -> FastAPI:
    return create_app(
        "Jobbro matching",
        "CV bank and candidate ranking on skills and qualifications.",
        [identity_router, *ROUTERS],
        on_startup=[warmup.start_if_configured],
    )
