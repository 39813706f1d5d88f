async def test_pages_answer(admin_console):
    for path in ("/console/", "/console/statements", "/console/courses", "/console/learners", "/console/registrations",
                 "/console/credentials", "/console/system"):
        await admin_console.page(path)
