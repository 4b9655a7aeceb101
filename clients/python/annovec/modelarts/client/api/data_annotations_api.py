"""DataAnnotationsApi of the old ModelArts SDK (spec §10): images and tags of a v1 data
annotation (a labeling job's "dls_prj_id"), on /v1/{project_id}/data-annotations/{id}/..."""
from ..api_client import segment


class DataAnnotationsApi:
    def __init__(self, api_client):
        self.api_client = api_client

    def _path(self, project_id, data_annotation_id, rest=""):
        return "/v1/%s/data-annotations/%s%s" % (segment(project_id), segment(data_annotation_id), rest)

    def show_images_by_tag(self, project_id, data_annotation_id, tag_name=None, per_page=None, page=None, **query):
        """GET .../images: tag_name ("__none__" = unlabeled), per_page 1-100, page."""
        q = dict(query, tag_name=tag_name, per_page=per_page, page=page)
        return self.api_client.call("GET", self._path(project_id, data_annotation_id, "/images"), query=q)

    def modify_image_info(self, project_id, data_annotation_id, body):
        """PUT .../images: {"images":[{"image_id","tags":[...]}],"size":[w,h]}."""
        return self.api_client.call("PUT", self._path(project_id, data_annotation_id, "/images"), body=body)

    def delete_selected_image(self, project_id, data_annotation_id, image_id):
        """DELETE .../images/{image_id}."""
        return self.api_client.call("DELETE", self._path(project_id, data_annotation_id, "/images/" + segment(image_id)))

    def delete_selected_images(self, project_id, data_annotation_id, body):
        """POST .../images/delete {"image_id":[...]} -> {is_success, error_code?, error_msg?}."""
        return self.api_client.call("POST", self._path(project_id, data_annotation_id, "/images/delete"), body=body)

    def get_image_info_by_id(self, project_id, data_annotation_id, image_id):
        """GET .../images/{image_id}/tags -> {tags, size}."""
        return self.api_client.call("GET", self._path(project_id, data_annotation_id, "/images/%s/tags" % segment(image_id)))

    def get_image_info_by_ids(self, project_id, data_annotation_id, body):
        """POST .../tags/show {"image_id":[...]} -> {images_tags:[...]}."""
        return self.api_client.call("POST", self._path(project_id, data_annotation_id, "/tags/show"), body=body)

    def query_tag_list(self, project_id, data_annotation_id):
        """GET .../tags -> {tags:[...]}."""
        return self.api_client.call("GET", self._path(project_id, data_annotation_id, "/tags"))

    def get_tag_statistics(self, project_id, data_annotation_id):
        """GET .../tags/stats -> {tag_count:[{tag,count}], tags_stat:[{has_tag,count}]}."""
        return self.api_client.call("GET", self._path(project_id, data_annotation_id, "/tags/stats"))

    def sync_obs(self, project_id, data_annotation_id, body=None):
        """POST .../obs/sync."""
        return self.api_client.call("POST", self._path(project_id, data_annotation_id, "/obs/sync"), body=body if body is not None else {})

    def sync_obs_status(self, project_id, data_annotation_id):
        """GET .../obs/sync-status -> {sync_status: 0 not started, 1 ok, 2 failed, 3 running}."""
        return self.api_client.call("GET", self._path(project_id, data_annotation_id, "/obs/sync-status"))
