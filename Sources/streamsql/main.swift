print("streamsql: not built yet")
