"""The contact process's routers; the job-order service serves them."""

from fastapi import APIRouter

from services.contact.interviews.router import lists_router
from services.contact.interviews.router import router as interviews_router
from services.contact.recommendations.router import router as recommendations_router

ROUTERS: list[APIRouter] = [recommendations_router, interviews_router, lists_router]
