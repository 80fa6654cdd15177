import HotlineStorage

/// The star schema: dimensions, then facts. See docs/warehouse.md for every column.
///
/// Times are `timestamptz`; the date dimension is in UTC (Mali and Burkina Faso are UTC+0, Niger UTC+1).
enum WarehouseMigrations {
    static func star(_ schemas: WarehouseSchemas) -> [Migration] {
        let w = schemas.warehouse.name
        return [
            Migration(version: 1, name: "dimensions", statements: [
                """
                CREATE TABLE \(w).dim_date (
                    hour_key integer PRIMARY KEY,
                    hour_start timestamptz NOT NULL UNIQUE,
                    date date NOT NULL,
                    hour smallint NOT NULL,
                    week_start date NOT NULL,
                    iso_year smallint NOT NULL,
                    iso_week smallint NOT NULL,
                    month_start date NOT NULL,
                    year smallint NOT NULL,
                    day_of_week smallint NOT NULL
                )
                """,
                """
                CREATE TABLE \(w).dim_place (
                    place_code text PRIMARY KEY,
                    name text,
                    level text,
                    parent_code text,
                    country_code text,
                    admin1_code text,
                    admin1_name text,
                    admin2_code text,
                    admin2_name text,
                    admin3_code text,
                    admin3_name text,
                    lineage text[] NOT NULL DEFAULT '{}'
                )
                """,
                """
                CREATE TABLE \(w).dim_category (
                    category_code text PRIMARY KEY,
                    label text NOT NULL,
                    security_forces boolean NOT NULL,
                    restricted boolean NOT NULL
                )
                """,
                "CREATE TABLE \(w).dim_priority (priority_code text PRIMARY KEY, rank smallint NOT NULL)",
                """
                CREATE TABLE \(w).dim_target (
                    target_code text PRIMARY KEY,
                    target_type text,
                    name text,
                    level text,
                    specialty text,
                    jurisdiction_code text,
                    admin1_code text
                )
                """,
                "CREATE TABLE \(w).dim_channel (channel_code text PRIMARY KEY, label text NOT NULL)",
                "CREATE TABLE \(w).dim_language (language_code text PRIMARY KEY, name text)",
            ]),
            Migration(version: 2, name: "facts", statements: [
                """
                CREATE TABLE \(w).fact_case (
                    case_key text PRIMARY KEY,
                    place_code text REFERENCES \(w).dim_place,
                    place_ambiguous boolean,
                    category_code text REFERENCES \(w).dim_category,
                    priority_code text REFERENCES \(w).dim_priority,
                    channel_code text REFERENCES \(w).dim_channel,
                    language_code text REFERENCES \(w).dim_language,
                    lead_target_code text REFERENCES \(w).dim_target,
                    received_at timestamptz,
                    routed_at timestamptz,
                    routed_hour_key integer REFERENCES \(w).dim_date,
                    acknowledged_at timestamptz,
                    resolved_at timestamptz,
                    dismissed_at timestamptz,
                    current_state text,
                    current_owner_code text,
                    escalation_count integer NOT NULL DEFAULT 0,
                    deadline_breach_count integer NOT NULL DEFAULT 0,
                    referral_count integer NOT NULL DEFAULT 0,
                    reopen_count integer NOT NULL DEFAULT 0,
                    rating smallint,
                    rated_at timestamptz
                )
                """,
                "CREATE INDEX fact_case_routed ON \(w).fact_case (routed_at)",
                "CREATE INDEX fact_case_lead ON \(w).fact_case (lead_target_code)",
                """
                CREATE TABLE \(w).fact_case_target (
                    case_key text NOT NULL,
                    target_code text NOT NULL REFERENCES \(w).dim_target,
                    role text NOT NULL,
                    restricted boolean NOT NULL,
                    PRIMARY KEY (case_key, target_code)
                )
                """,
                """
                CREATE TABLE \(w).fact_case_event (
                    case_key text NOT NULL,
                    sequence integer NOT NULL,
                    kind text NOT NULL,
                    from_state text,
                    to_state text,
                    actor_type text NOT NULL,
                    actor_member_id text,
                    actor_role text,
                    channel text,
                    target_code text,
                    escalation_level integer NOT NULL,
                    priority_code text REFERENCES \(w).dim_priority,
                    category_code text REFERENCES \(w).dim_category,
                    place_code text,
                    rating smallint,
                    occurred_at timestamptz NOT NULL,
                    hour_key integer NOT NULL REFERENCES \(w).dim_date,
                    PRIMARY KEY (case_key, sequence)
                )
                """,
                """
                CREATE TABLE \(w).fact_rating (
                    case_key text NOT NULL,
                    sequence integer NOT NULL,
                    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
                    rated_at timestamptz NOT NULL,
                    hour_key integer NOT NULL REFERENCES \(w).dim_date,
                    PRIMARY KEY (case_key, sequence)
                )
                """,
                """
                CREATE TABLE \(w).fact_survey_answer (
                    answer_key text PRIMARY KEY,
                    question_id text NOT NULL,
                    area_code text NOT NULL REFERENCES \(w).dim_place,
                    answered_on date NOT NULL,
                    score smallint NOT NULL
                )
                """,
                """
                CREATE TABLE \(w).fact_notification (
                    notification_key text PRIMARY KEY,
                    case_key text,
                    template text NOT NULL,
                    audience text NOT NULL,
                    language_code text REFERENCES \(w).dim_language,
                    priority text NOT NULL,
                    channel_code text NOT NULL DEFAULT 'sms' REFERENCES \(w).dim_channel,
                    provider text,
                    status text,
                    attempts integer NOT NULL DEFAULT 0,
                    encoding text,
                    segments integer,
                    queued_at timestamptz,
                    first_hour_key integer REFERENCES \(w).dim_date,
                    sent_at timestamptz,
                    delivered_at timestamptz,
                    failed_at timestamptz,
                    last_status_at timestamptz,
                    delivery_reports integer NOT NULL DEFAULT 0
                )
                """,
                """
                CREATE TABLE \(w).fact_notification_status (
                    status_key text PRIMARY KEY,
                    notification_key text NOT NULL,
                    source text NOT NULL CHECK (source IN ('service', 'gateway')),
                    status text NOT NULL,
                    provider text,
                    attempt integer,
                    encoding text,
                    segments integer,
                    at timestamptz NOT NULL,
                    hour_key integer NOT NULL REFERENCES \(w).dim_date
                )
                """,
                "CREATE INDEX fact_notification_status_notification ON \(w).fact_notification_status (notification_key)",
            ]),
        ]
    }
}

/// The loader's private schema, and the functions it calls inside each load transaction.
enum LoaderMigrations {
    static func all(_ schemas: WarehouseSchemas) -> [Migration] {
        let (w, l) = (schemas.warehouse.name, schemas.loader.name)
        return [
            .messaging(schema: schemas.loader, version: 1),
            Migration(version: 2, name: "keys and delivery reports", statements: [
                // One random salt per deployment: warehouse keys are stable across replays but
                // cannot be recomputed from an operational id without this table.
                """
                CREATE TABLE \(l).salt (
                    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                    salt text NOT NULL
                )
                """,
                """
                INSERT INTO \(l).salt (salt)
                VALUES (encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex'))
                """,
                """
                CREATE FUNCTION \(l).pseudokey(kind text, id text) RETURNS text LANGUAGE sql STABLE AS $$
                    SELECT substr(encode(sha256(convert_to(s.salt || '|' || kind || '|' || id, 'UTF8')), 'hex'), 1, 32) FROM \(l).salt s
                $$
                """,
                // The date dimension grows as events arrive, one row per UTC hour.
                """
                CREATE FUNCTION \(l).hour_key(at timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
                DECLARE
                    h timestamp := date_trunc('hour', at AT TIME ZONE 'UTC');
                    k integer := to_char(h, 'YYYYMMDDHH24')::integer;
                BEGIN
                    INSERT INTO \(w).dim_date (hour_key, hour_start, date, hour, week_start, iso_year, iso_week, month_start, year, day_of_week)
                    VALUES (k, h AT TIME ZONE 'UTC', h::date, extract(hour FROM h), date_trunc('week', h)::date,
                            extract(isoyear FROM h), extract(week FROM h), date_trunc('month', h)::date, extract(year FROM h),
                            extract(isodow FROM h))
                    ON CONFLICT (hour_key) DO NOTHING;
                    RETURN k;
                END
                $$
                """,
                """
                CREATE TABLE \(l).provider_messages (
                    provider text NOT NULL,
                    provider_message_id text NOT NULL,
                    notification_key text NOT NULL,
                    PRIMARY KEY (provider, provider_message_id)
                )
                """,
                """
                CREATE TABLE \(l).delivery_reports (
                    status_key text PRIMARY KEY,
                    provider text NOT NULL,
                    provider_message_id text NOT NULL,
                    status text NOT NULL,
                    received_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX delivery_reports_message ON \(l).delivery_reports (provider, provider_message_id)",
            ]),
        ]
    }
}
