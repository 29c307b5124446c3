-- API keys get a scope (issue 14, point 2): the Comune they act for, at most
-- one of its departments, and what they may do (`file_reports`, for Open311;
-- `update_status`, for a back-office), comma-separated. Keys made before this
-- have no Comune: the server refuses them (403 key_not_scoped) until the
-- operator replaces them with a scoped key (`casa-server api-keys create`).
ALTER TABLE api_keys ADD COLUMN comune TEXT REFERENCES comuni (istat_code);
ALTER TABLE api_keys ADD COLUMN department TEXT;
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
