-- Moves the findings position, in the transaction that wrote the findings it stands for.
UPDATE findings_progress SET complete_through = $1, updated_at = now()
