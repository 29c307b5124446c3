-- A department operator works for one department (its code, the same in each
-- of the operator's Comuni); other roles have none.
ALTER TABLE staff_users ADD COLUMN department TEXT;
