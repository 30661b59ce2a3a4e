"""The job-order service as its own FastAPI application."""

from fastapi import APIRouter, FastAPI

from shared.identity.router import router as identity_router
from shared.web import create_app

ROUTERS: list[APIRouter] = []


def create() -> FastAPI:
    return create_app(
        "Jobbro job orders",
        "Job orders, mediation owners, JobAG forwarding, candidates and hires.",
        [identity_router, *ROUTERS],
    )
