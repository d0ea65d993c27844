-- Which of the given studies ($2 text[]) vendor $1 received: disclosed or transferred to
-- it, directly or as a member of a dataset that held the study at the event's time.
-- What a vendor reports doing (passing on, training, deleting) does not widen this: a
-- dataset can hold, by then, studies the vendor never got. Driven by the study uids, so
-- each test is an index probe whatever the vendor's volume.
SELECT u.uid AS study_uid
  FROM (SELECT DISTINCT x.uid FROM unnest($2::text[]) AS x(uid)) u
 WHERE EXISTS (SELECT 1 FROM rm_disclosures x
                WHERE x.target_study_uid = u.uid AND x.recipient_vendor_id = $1)
    OR EXISTS (SELECT 1 FROM rm_transfers x
                WHERE x.target_study_uid = u.uid AND x.to_vendor_id = $1)
    OR EXISTS (
         SELECT 1 FROM rm_dataset_members m
          WHERE m.study_uid = u.uid
            AND (EXISTS (SELECT 1 FROM rm_disclosures x
                          WHERE x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
                            AND x.recipient_vendor_id = $1)
              OR EXISTS (SELECT 1 FROM rm_transfers x
                          WHERE x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
                            AND x.to_vendor_id = $1)))
