package dev.protostar.backend.health;

record SystemStatus(String status, String color, String version) {
}
