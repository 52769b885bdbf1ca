from django.http import HttpResponse


def connection_list(request):
    return HttpResponse("todo")
