import HotlineStorage

package enum AccountabilityMigrations {
    package static let all: [Migration] = [
        .messaging(schema: .accountability, version: 1),
        Migration(version: 2, name: "cases and audit chain", statements: [
            """
            CREATE TABLE accountability.cases (
                case_id uuid PRIMARY KEY,
                reference_code text NOT NULL UNIQUE,
                state text NOT NULL,
                priority text NOT NULL,
                category text NOT NULL,
                place_code text,
                place_lineage text[] NOT NULL,
                owner text NOT NULL,
                acting_targets text[] NOT NULL,
                pending_referral text,
                state_before_referral text,
                escalation_level integer NOT NULL DEFAULT 0,
                restricted_target text,
                acknowledge_due_at timestamptz NOT NULL,
                resolve_due_at timestamptz NOT NULL,
                reporter_pseudonym text,
                reporter_key_id text,
                reporter_ciphertext text,
                reporter_language text NOT NULL,
                channel text NOT NULL,
                rating integer,
                routed_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                closed_at timestamptz,
                pii_destroyed_at timestamptz
            )
            """,
            "CREATE INDEX cases_acknowledge_due ON accountability.cases (acknowledge_due_at) WHERE state IN ('routed', 'referred', 'reopened')",
            "CREATE INDEX cases_resolve_due ON accountability.cases (resolve_due_at) WHERE state IN ('acknowledged', 'in_progress')",
            "CREATE INDEX cases_reporter ON accountability.cases (reporter_pseudonym)",
            "CREATE INDEX cases_lineage ON accountability.cases USING gin (place_lineage)",
            """
            CREATE TABLE accountability.case_targets (
                case_id uuid NOT NULL REFERENCES accountability.cases (case_id),
                target_code text NOT NULL,
                target_type text NOT NULL,
                role text NOT NULL,
                restricted boolean NOT NULL,
                PRIMARY KEY (case_id, target_code)
            )
            """,
            """
            CREATE TABLE accountability.case_events (
                event_id uuid PRIMARY KEY,
                case_id uuid NOT NULL REFERENCES accountability.cases (case_id),
                sequence integer NOT NULL,
                kind text NOT NULL,
                from_state text,
                to_state text,
                actor_id text NOT NULL,
                actor_role text NOT NULL,
                channel text NOT NULL,
                target text,
                detail text,
                rating integer,
                occurred_at timestamptz NOT NULL,
                occurred_at_ms bigint NOT NULL,
                previous_hash text NOT NULL,
                hash text NOT NULL,
                UNIQUE (case_id, sequence)
            )
            """,
            """
            CREATE FUNCTION accountability.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'accountability.case_events is append-only';
            END
            $$
            """,
            """
            CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON accountability.case_events
            FOR EACH ROW EXECUTE FUNCTION accountability.refuse_change()
            """,
            """
            CREATE TABLE accountability.hearings (
                hearing_id uuid PRIMARY KEY,
                case_id uuid NOT NULL REFERENCES accountability.cases (case_id),
                college text NOT NULL,
                held_on date NOT NULL,
                parties jsonb NOT NULL,
                decision text NOT NULL,
                recorded_by text NOT NULL,
                recorded_at timestamptz NOT NULL
            )
            """,
        ]),
        Migration(version: 3, name: "reporter voice", statements: [
            """
            CREATE TABLE accountability.opt_outs (
                pseudonym text PRIMARY KEY,
                opted_out_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE accountability.pending_replies (
                pseudonym text PRIMARY KEY,
                kind text NOT NULL,
                case_id uuid,
                area_code text,
                question_id text,
                language text NOT NULL,
                asked_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE accountability.survey_runs (
                area_code text NOT NULL,
                question_id text NOT NULL,
                period text NOT NULL,
                started_at timestamptz NOT NULL,
                recipients integer NOT NULL DEFAULT 0,
                PRIMARY KEY (area_code, question_id, period)
            )
            """,
            """
            CREATE TABLE accountability.survey_answers (
                answer_id uuid PRIMARY KEY,
                question_id text NOT NULL,
                area_code text NOT NULL,
                answered_on date NOT NULL,
                score integer NOT NULL CHECK (score BETWEEN 1 AND 5)
            )
            """,
        ]),
        // The survey scheduler looks for the areas of rated cases every tick (30 s); without this
        // it read every case ever opened to find them.
        Migration(version: 4, name: "rated cases by area", statements: [
            "CREATE INDEX cases_rated_lineage ON accountability.cases (place_lineage) WHERE rating IS NOT NULL",
        ]),
    ]
}
