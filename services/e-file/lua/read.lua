-- Records that a document was read: one audit entry. ARGV[3] time (RFC 3339), [4] document
-- Aktenzeichen, [5] sha256, [6] actor. Returns the entry's index.
return audit(ARGV[3], 'READ', ARGV[4], ARGV[5], ARGV[6])
