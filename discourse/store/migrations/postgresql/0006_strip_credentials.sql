-- PostgreSQL mirror of ../0006_strip_credentials.sql: no stored URL carries credentials.
-- A PostgreSQL corpus made before this migration (by the crawler of schema 1-5, or copied
-- from such an SQLite corpus) may hold user:password@ in its URLs, so this is the same data
-- migration, statement for statement: the userinfo is what lies between "://" and the first
-- "@" within the authority, which ends at the first "/", "?" or "#". SQLite's UPDATE OR IGNORE
-- on unique columns (a row whose stripped URL is already stored keeps its URL; of two rows
-- stripping to one URL the lower id wins) is spelled out: NOT EXISTS and DISTINCT ON.

UPDATE sources SET homepage = fixed.clean FROM (
    SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, LEAST(
            strpos(rest || '/', '/'),
            CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT id AS rid, substr(homepage, 1, strpos(homepage, '://') + 2) AS head,
                   substr(homepage, strpos(homepage, '://') + 3) AS rest
            FROM sources WHERE homepage ILIKE 'http%://%@%'
        ) AS split_url
    ) AS split_authority
    WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE sources.id = fixed.rid;

UPDATE feeds SET url = fixed.clean FROM (
    SELECT DISTINCT ON (clean) rid, clean FROM (
        SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
        FROM (
            SELECT rid, head, rest, LEAST(
                strpos(rest || '/', '/'),
                CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
                CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
            ) AS auth_end
            FROM (
                SELECT id AS rid, substr(url, 1, strpos(url, '://') + 2) AS head,
                       substr(url, strpos(url, '://') + 3) AS rest
                FROM feeds WHERE url ILIKE 'http%://%@%'
            ) AS split_url
        ) AS split_authority
        WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
    ) AS cleaned
    WHERE NOT EXISTS (SELECT 1 FROM feeds other WHERE other.url = cleaned.clean)
    ORDER BY clean, rid
) AS fixed
WHERE feeds.id = fixed.rid;

UPDATE items SET url = fixed.clean FROM (
    SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, LEAST(
            strpos(rest || '/', '/'),
            CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT id AS rid, substr(url, 1, strpos(url, '://') + 2) AS head,
                   substr(url, strpos(url, '://') + 3) AS rest
            FROM items WHERE url ILIKE 'http%://%@%'
        ) AS split_url
    ) AS split_authority
    WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE items.id = fixed.rid;

UPDATE items SET key = fixed.clean FROM (
    SELECT DISTINCT ON (clean) rid, clean FROM (
        SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
        FROM (
            SELECT rid, head, rest, LEAST(
                strpos(rest || '/', '/'),
                CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
                CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
            ) AS auth_end
            FROM (
                SELECT id AS rid, substr(key, 1, strpos(key, '://') + 2) AS head,
                       substr(key, strpos(key, '://') + 3) AS rest
                FROM items WHERE key ILIKE 'http%://%@%'
            ) AS split_url
        ) AS split_authority
        WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
    ) AS cleaned
    WHERE NOT EXISTS (SELECT 1 FROM items other WHERE other.key = cleaned.clean)
    ORDER BY clean, rid
) AS fixed
WHERE items.id = fixed.rid;

UPDATE fetch_log SET url = fixed.clean FROM (
    SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, LEAST(
            strpos(rest || '/', '/'),
            CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT id AS rid, substr(url, 1, strpos(url, '://') + 2) AS head,
                   substr(url, strpos(url, '://') + 3) AS rest
            FROM fetch_log WHERE url ILIKE 'http%://%@%'
        ) AS split_url
    ) AS split_authority
    WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE fetch_log.id = fixed.rid;

UPDATE fetch_log SET final_url = fixed.clean FROM (
    SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, LEAST(
            strpos(rest || '/', '/'),
            CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT id AS rid, substr(final_url, 1, strpos(final_url, '://') + 2) AS head,
                   substr(final_url, strpos(final_url, '://') + 3) AS rest
            FROM fetch_log WHERE final_url ILIKE 'http%://%@%'
        ) AS split_url
    ) AS split_authority
    WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE fetch_log.id = fixed.rid;

UPDATE documents SET url = fixed.clean FROM (
    SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, LEAST(
            strpos(rest || '/', '/'),
            CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT id AS rid, substr(url, 1, strpos(url, '://') + 2) AS head,
                   substr(url, strpos(url, '://') + 3) AS rest
            FROM documents WHERE url ILIKE 'http%://%@%'
        ) AS split_url
    ) AS split_authority
    WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE documents.id = fixed.rid;

UPDATE documents SET canonical_url = fixed.clean FROM (
    SELECT DISTINCT ON (clean) rid, clean FROM (
        SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
        FROM (
            SELECT rid, head, rest, LEAST(
                strpos(rest || '/', '/'),
                CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
                CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
            ) AS auth_end
            FROM (
                SELECT id AS rid, substr(canonical_url, 1, strpos(canonical_url, '://') + 2) AS head,
                       substr(canonical_url, strpos(canonical_url, '://') + 3) AS rest
                FROM documents WHERE canonical_url ILIKE 'http%://%@%'
            ) AS split_url
        ) AS split_authority
        WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
    ) AS cleaned
    WHERE NOT EXISTS (SELECT 1 FROM documents other WHERE other.canonical_url = cleaned.clean)
    ORDER BY clean, rid
) AS fixed
WHERE documents.id = fixed.rid;

UPDATE document_aliases SET alias = fixed.clean FROM (
    SELECT DISTINCT ON (clean) rid, clean FROM (
        SELECT rid, head || substr(rest, strpos(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
        FROM (
            SELECT rid, head, rest, LEAST(
                strpos(rest || '/', '/'),
                CASE WHEN strpos(rest, '?') > 0 THEN strpos(rest, '?') ELSE length(rest) + 1 END,
                CASE WHEN strpos(rest, '#') > 0 THEN strpos(rest, '#') ELSE length(rest) + 1 END
            ) AS auth_end
            FROM (
                SELECT alias AS rid, substr(alias, 1, strpos(alias, '://') + 2) AS head,
                       substr(alias, strpos(alias, '://') + 3) AS rest
                FROM document_aliases WHERE alias ILIKE 'http%://%@%'
            ) AS split_url
        ) AS split_authority
        WHERE strpos(substr(rest, 1, auth_end - 1), '@') > 0
    ) AS cleaned
    WHERE NOT EXISTS (SELECT 1 FROM document_aliases other WHERE other.alias = cleaned.clean)
    ORDER BY clean, rid
) AS fixed
WHERE document_aliases.alias = fixed.rid;
