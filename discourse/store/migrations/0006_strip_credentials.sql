-- No stored URL carries credentials: strip user:password@ from every URL column, as the
-- crawler now does before storing (credentials live only in sources.toml; the corpus is
-- shared, served and published). The userinfo is what lies between "://" and the first "@"
-- within the authority, which ends at the first "/", "?" or "#". Unique columns keep a row
-- whose stripped URL is already stored (UPDATE OR IGNORE).

UPDATE sources SET homepage = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(homepage, 1, instr(homepage, '://') + 2) AS head,
                   substr(homepage, instr(homepage, '://') + 3) AS rest
            FROM sources WHERE homepage LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE sources.rowid = fixed.rid;

UPDATE OR IGNORE feeds SET url = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(url, 1, instr(url, '://') + 2) AS head,
                   substr(url, instr(url, '://') + 3) AS rest
            FROM feeds WHERE url LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE feeds.rowid = fixed.rid;

UPDATE items SET url = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(url, 1, instr(url, '://') + 2) AS head,
                   substr(url, instr(url, '://') + 3) AS rest
            FROM items WHERE url LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE items.rowid = fixed.rid;

UPDATE OR IGNORE items SET key = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(key, 1, instr(key, '://') + 2) AS head,
                   substr(key, instr(key, '://') + 3) AS rest
            FROM items WHERE key LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE items.rowid = fixed.rid;

UPDATE fetch_log SET url = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(url, 1, instr(url, '://') + 2) AS head,
                   substr(url, instr(url, '://') + 3) AS rest
            FROM fetch_log WHERE url LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE fetch_log.rowid = fixed.rid;

UPDATE fetch_log SET final_url = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(final_url, 1, instr(final_url, '://') + 2) AS head,
                   substr(final_url, instr(final_url, '://') + 3) AS rest
            FROM fetch_log WHERE final_url LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE fetch_log.rowid = fixed.rid;

UPDATE documents SET url = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(url, 1, instr(url, '://') + 2) AS head,
                   substr(url, instr(url, '://') + 3) AS rest
            FROM documents WHERE url LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE documents.rowid = fixed.rid;

UPDATE OR IGNORE documents SET canonical_url = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(canonical_url, 1, instr(canonical_url, '://') + 2) AS head,
                   substr(canonical_url, instr(canonical_url, '://') + 3) AS rest
            FROM documents WHERE canonical_url LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE documents.rowid = fixed.rid;

UPDATE OR IGNORE document_aliases SET alias = fixed.clean FROM (
    SELECT rid, head || substr(rest, instr(substr(rest, 1, auth_end - 1), '@') + 1) AS clean
    FROM (
        SELECT rid, head, rest, min(
            instr(rest || '/', '/'),
            CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') ELSE length(rest) + 1 END,
            CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') ELSE length(rest) + 1 END
        ) AS auth_end
        FROM (
            SELECT rowid AS rid, substr(alias, 1, instr(alias, '://') + 2) AS head,
                   substr(alias, instr(alias, '://') + 3) AS rest
            FROM document_aliases WHERE alias LIKE 'http%://%@%'
        )
    )
    WHERE instr(substr(rest, 1, auth_end - 1), '@') > 0
) AS fixed
WHERE document_aliases.rowid = fixed.rid;
