"""The job-order service as its own FastAPI application."""

from fastapi import APIRouter, FastAPI

from services.contact.app import ROUTERS as CONTACT_ROUTERS
from services.joborders.candidates.history_router import router as history_router
from services.joborders.candidates.router import router as candidates_router
from services.joborders.forwarding.router import router as forwarding_router
from services.joborders.indicators.router import router as indicators_router
from services.joborders.mediation_log.router import router as mediation_log_router
from services.joborders.notes.router import router as notes_router
from services.joborders.notifications.router import router as notifications_router
from services.joborders.orders.router import router as orders_router
from services.joborders.ownership.router import router as ownership_router
from services.joborders.sharing.router import router as sharing_router
from services.joborders.webhooks.router import router as webhooks_router
from shared import openapi
from shared.identity.router import router as identity_router
from shared.web import create_app

ROUTERS: list[APIRouter] = [
    orders_router,
    ownership_router,
    forwarding_router,
    sharing_router,
    mediation_log_router,
    candidates_router,
    indicators_router,
    notifications_router,
    webhooks_router,
    # The joint contact process between the same two parties, served beside job orders.
    *CONTACT_ROUTERS,
    notes_router,
    history_router,
]


def create() -> FastAPI:
    app = create_app(
        "Jobbro job orders",
        "Job orders, mediation owners, JobAG forwarding, candidates and hires.",
        [identity_router, *ROUTERS],
    )
    openapi.install(app)
    return app
