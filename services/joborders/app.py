"""The job-order service as its own FastAPI application."""

from fastapi import APIRouter, FastAPI

from services.joborders.candidates_router import router as candidates_router
from services.joborders.misc_router import router as misc_router
from services.joborders.router import router as orders_router
from shared.identity.router import router as identity_router
from shared.web import create_app

ROUTERS: list[APIRouter] = [orders_router, candidates_router, misc_router]


def create() -> FastAPI:
    return create_app(
        "Jobbro job orders",
        "Job orders, mediation owners, JobAG forwarding, candidates and hires.",
        [identity_router, *ROUTERS],
    )
