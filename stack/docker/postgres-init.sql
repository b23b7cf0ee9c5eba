-- The compose stack's databases, as the native stack creates them (commerce is POSTGRES_DB).
CREATE DATABASE streamer;
CREATE DATABASE registry;
