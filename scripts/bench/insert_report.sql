-- pgbench baseline: one single-row INSERT per transaction, the width of an intake report row
-- (uuid, reference code, channel, language, ~75-character French text, 64-hex pseudonym, key id,
-- ~60-character sealed number, category and place hints, timestamp).
INSERT INTO bench.reports (report_id, reference_code, channel, language, text, reporter_pseudonym, reporter_key_id,
                           reporter_ciphertext, category_hint, place_code, received_at)
VALUES (gen_random_uuid(), substr(md5(random()::text), 1, 6), 'sms', 'fr',
        'Des hommes armés ont attaqué le marché de Sévaré cette nuit, aidez nous vite',
        md5(random()::text) || md5(random()::text), 'k1',
        'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2', NULL, 'ML-5-SEV', now());
