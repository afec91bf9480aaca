"""Video rooms: passes into Jitsi, JaaS and Agora rooms, computed and signed locally."""
