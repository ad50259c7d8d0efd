-- Merge the events table into one part with deletions materialised: later reads scan the fewest bytes.
OPTIMIZE TABLE events FINAL
