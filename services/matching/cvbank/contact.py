"""A CV's contact details: written by the CV source, read only for a contact on an order.

The matching service cannot know who may contact whom on an order; the job-order service
applies the contact rule (`services/joborders/policy/access.py` `can_contact`) and only then
asks. Over HTTP the read therefore answers a trusted service acting for a person, never a
caller directly, and a CV the person may not see stays a 404 (another a-kasse's member).
"""

import uuid

from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.matching import policy
from services.matching.cvbank.contact_model import CvContact
from services.matching.cvbank.schemas import ContactIn, ContactOut
from shared import audit
from shared.actor import Actor


def apply_contact(session: Session, cv_id: uuid.UUID, data: ContactIn) -> bool:
    """Store the CV's contact details; whether anything changed."""
    row = session.get(CvContact, cv_id)
    if row is None:
        session.add(CvContact(cv_id=cv_id, phone=data.phone, email=data.email))
        return True
    if (row.phone, row.email) == (data.phone, data.email):
        return False
    row.phone, row.email = data.phone, data.email
    return True


def delete_contact(session: Session, cv_id: uuid.UUID) -> None:
    session.execute(delete(CvContact).where(CvContact.cv_id == cv_id))


def get_cv_contact(session: Session, actor: Actor, cv_id: uuid.UUID) -> ContactOut:
    """The CV's phone and e-mail for someone about to contact the person; audited."""
    cv = policy.load_visible_cv(session, actor, cv_id, action="cv.contact.read")
    row = session.get(CvContact, cv.id)
    audit.record(session, actor, "cv.contact.read", subject_type="cv", subject_id=cv.id)
    return ContactOut(phone=row.phone if row else None, email=row.email if row else None)
