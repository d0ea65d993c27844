-- Consents of the given patients (pseudonyms), each with its earliest revocation.
SELECT c.consent_id, c.patient, c.decision, c.purposes, c.vendor_ids, c.scope_study_uids,
       c.scope_modalities, c.valid_from, c.valid_until,
       (SELECT min(r.revoked_at) FROM rm_consent_revocations r WHERE r.consent_id = c.consent_id) AS revoked_at
  FROM rm_consents c
 WHERE c.patient = ANY($1::text[])
